package itms

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf16"
)

// Reliability test 7: agent.log signature scanning on a real package
// server's log tail (UTF-8/ANSI or UTF-16LE). Seeds:
// testdata/fuzz/FuzzLogSignatures.
//
// FuzzLogSignatures: any tail gives at most the KB's two signatures, in
// order, never a panic; a tail holding a signature in either encoding, in
// any ASCII case, reports it.
func FuzzLogSignatures(f *testing.F) {
	f.Add([]byte(`<event date='May 16 11:51:05' severity='2'><![CDATA[Cannot create directory: 0x80070005 [Access is denied]]]></event>`), 0)
	f.Add(utf16le("The trust relationship between this workstation and the primary domain failed(1789)."), 1)
	f.Add([]byte("\xff\xfe"+"A\x00c\x00c\x00"), 2)
	f.Add([]byte{}, 3)
	f.Fuzz(func(t *testing.T, tail []byte, mix int) {
		sigs := logSignatures(tail)
		order := []string{sigAccessDenied, sigTrust, sigLocked, sigExpired}
		if !slices.IsSortedFunc(sigs, func(a, b string) int { return slices.Index(order, a) - slices.Index(order, b) }) ||
			slices.ContainsFunc(sigs, func(s string) bool { return !slices.Contains(order, s) }) || len(sigs) != len(slices.Compact(slices.Clone(sigs))) {
			t.Fatalf("signatures %q", sigs)
		}
		// Plant a signature in the tail, in a case and an encoding chosen
		// by mix: it must be found.
		needle := []string{"Cannot Create Directory: 0x80070005", "COPYING EVENT TO CAPTURE DIRECTORY: ACCESS IS DENIED",
			"Trust Relationship between this workstation and the primary domain FAILED"}[uint(mix)%3]
		var planted []byte
		if mix%2 == 0 {
			planted = append(append(slices.Clone(tail), needle...), tail...)
		} else {
			planted = append(append(slices.Clone(tail), utf16le(needle)...), tail...)
		}
		want := sigAccessDenied
		if strings.HasPrefix(needle, "Trust") {
			want = sigTrust
		}
		if got := logSignatures(planted); !slices.Contains(got, want) {
			if mix%2 == 1 && len(tail)%2 == 1 {
				return // UTF-16 at an odd offset: not how a UTF-16 log is laid out
			}
			t.Fatalf("%q planted (mix %d) but signatures %q", needle, mix, got)
		}
	})
}

func utf16le(s string) []byte {
	var out []byte
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}
