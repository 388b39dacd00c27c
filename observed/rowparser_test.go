package observed

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestRowParserIsParseRow: the caching parser answers as parseRow does,
// the first time it sees a value and after.
func TestRowParserIsParseRow(t *testing.T) {
	ids := []string{"11111111-0000-0000-0000-000000000001", "{11111111-0000-0000-0000-000000000001}",
		"AAAAAAAA-0000-0000-0000-000000000001", "PS001", "", `..\..\Windows`}
	names := []string{"PS001", "ps001", "", `PS001\c$`, "COM1", "PS-002.corp.example", strings.Repeat("n", 1025), "\xff"}
	statuses := []string{"Invalid", " ready ", "Pending", "Corrupt", "  ", "", strings.Repeat("s", 65), "a\x00", "\xff", "1\n2"}
	r := rand.New(rand.NewPCG(3, 4))
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	var rp rowParser
	for i := range 3000 {
		row := RawRow{ServerID: pick(ids), ServerName: pick(names), PackageID: pick(ids), PackageName: pick(names),
			Status: pick(statuses), Version: pick(statuses), PackageVersion: pick(statuses), PackageKnown: r.IntN(4) > 0}
		wantPair, wantReason := parseRow(row)
		gotPair, gotReason := rp.parse(row)
		if gotPair != wantPair || gotReason != wantReason {
			t.Fatalf("row %d %+v:\n got %+v %q\nwant %+v %q", i, row, gotPair, gotReason, wantPair, wantReason)
		}
	}
}
