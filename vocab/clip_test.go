package vocab

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Clip never cuts inside a rune: a valid name stays valid UTF-8 (found by
// observed's FuzzParseRow).
func TestClipKeepsUTF8Valid(t *testing.T) {
	tests := []struct{ in, want string }{
		{strings.Repeat("a", 80), strings.Repeat("a", 80)},
		{strings.Repeat("a", 81), strings.Repeat("a", 80) + "…"},
		{"a" + strings.Repeat("é", 41), "a" + strings.Repeat("é", 39) + "…"},
		{strings.Repeat("€", 30), strings.Repeat("€", 26) + "…"},
		{strings.Repeat("😀", 25), strings.Repeat("😀", 20) + "…"},
	}
	for _, tt := range tests {
		got := Clip(tt.in)
		if got != tt.want || !utf8.ValidString(got) || len(got) > 80+len("…") {
			t.Errorf("Clip(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := Clip("\xff" + strings.Repeat("\x80", 90)); len(got) < 77 || len(got) > 80+len("…") {
		t.Errorf("Clip of invalid UTF-8: %d bytes", len(got))
	}
}
