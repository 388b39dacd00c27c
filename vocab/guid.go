package vocab

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// GUID is a package or item identifier in canonical form: 36 lower-case
// characters, hex digits and hyphens in the 8-4-4-4-12 layout, no braces.
// The zero value is not a valid GUID; obtain one through ParseGUID.
type GUID string

// ParseGUID validates an untrusted identifier and returns it in canonical
// form. It accepts upper or lower case and optional surrounding braces, and
// nothing else: no whitespace, no path separators, no other characters.
func ParseGUID(s string) (GUID, error) {
	t := s
	if len(t) == 38 && t[0] == '{' && t[37] == '}' {
		t = t[1:37]
	}
	if len(t) != 36 {
		return "", fmt.Errorf("not a GUID: %q", Clip(s))
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return "", fmt.Errorf("not a GUID: %q", Clip(s))
			}
		default:
			if !isHex(c) {
				return "", fmt.Errorf("not a GUID: %q", Clip(s))
			}
		}
	}
	return GUID(strings.ToLower(t)), nil
}

// MustGUID is ParseGUID for constants in tests and built-in data.
func MustGUID(s string) GUID {
	g, err := ParseGUID(s)
	if err != nil {
		panic(err)
	}
	return g
}

// Braced returns the GUID as Windows folder and file names use it: {guid}.
func (g GUID) Braced() string { return "{" + string(g) + "}" }

// Valid reports whether g is in canonical form.
func (g GUID) Valid() bool {
	c, err := ParseGUID(string(g))
	return err == nil && c == g
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// Clip shortens an untrusted string for use inside an error message, so that
// a hostile value cannot flood a log line. It cuts at most 80 bytes in, on
// a rune boundary, so that valid UTF-8 stays valid.
func Clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	cut := max
	for i := 1; i < utf8.UTFMax && !utf8.RuneStart(s[cut]); i++ {
		cut--
	}
	return s[:cut] + "…"
}
