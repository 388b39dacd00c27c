package observed_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/itms-tools/reconciler/observed"
)

// BenchmarkReadSite validates and stores 100 servers × 1,000 packages in
// question per pass.
func BenchmarkReadSite(b *testing.B) {
	var rows []observed.RawRow
	for s := range 100 {
		for p := range 1000 {
			rows = append(rows, observed.RawRow{
				ServerID: fmt.Sprintf("11111111-0000-0000-0000-%012d", s), ServerName: fmt.Sprintf("PS%03d", s),
				PackageID: fmt.Sprintf("aaaaaaaa-0000-0000-0000-%012d", p), Status: "Invalid",
				PackageKnown: true, PackageVersion: "1",
			})
		}
	}
	o := &observed.Observer{CMDB: rowsCMDB(nil, rows...), NS: nsOK, Ages: &observed.Ages{}}
	b.ReportAllocs()
	for b.Loop() {
		obs := o.ReadSite(context.Background(), t0, false)
		if len(obs.ServersInQuestion()) != 100 {
			b.Fatal("servers lost")
		}
	}
}
