package vocab

import (
	"strconv"
	"unicode"
)

// Printable returns s unchanged when every rune is printable, else quoted
// with Go escapes: text that came from a CMDB row or an agent (package
// names, ACL principals, error messages) can then never move a terminal's
// cursor, clear its screen or forge an output line.
func Printable(s string) string {
	for _, r := range s {
		if !unicode.IsPrint(r) || r == '\t' {
			return strconv.QuoteToGraphic(s)
		}
	}
	return s
}
