package winsvc

import (
	"fmt"
	"strings"
)

// CommandLine renders the command line the SCM stores for a service (its
// "path to executable"): exe and then each argument, quoted so that the
// Microsoft C runtime (CommandLineToArgvW) splits it back into exactly
// these strings. It is what mgr.CreateService registers for the same exe
// and args, so install can show it and tests can check it anywhere.
//
// A path with a space is always quoted: an unquoted one would let Windows
// try C:\Program.exe first (the "unquoted service path" weakness).
func CommandLine(exe string, args []string) (string, error) {
	if exe == "" {
		return "", fmt.Errorf("executable path is empty")
	}
	if strings.ContainsAny(exe, "\"\x00") {
		return "", fmt.Errorf("executable path %q: contains a quote or NUL", exe)
	}
	var b strings.Builder
	b.WriteString(QuoteArg(exe))
	for _, a := range args {
		if strings.ContainsRune(a, 0) {
			return "", fmt.Errorf("argument %q: contains NUL", a)
		}
		b.WriteByte(' ')
		b.WriteString(QuoteArg(a))
	}
	return b.String(), nil
}

// QuoteArg quotes one argument for a Windows command line. An argument with
// no space, tab or double quote is left as it is (backslashes are literal
// there); an empty one becomes "". Otherwise it is wrapped in double
// quotes, each double quote inside is escaped with a backslash, and the
// backslashes that come right before a double quote (an inner one or the
// closing one) are doubled, since only there do backslashes escape.
func QuoteArg(s string) string {
	if s == "" {
		return `""`
	}
	if !strings.ContainsAny(s, " \t\"") {
		return s
	}
	if !strings.ContainsAny(s, "\\\"") {
		return `"` + s + `"`
	}
	var b strings.Builder
	needQuotes := strings.ContainsAny(s, " \t")
	if needQuotes {
		b.WriteByte('"')
	}
	run := 0 // backslashes seen since the last other character
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			run++
			b.WriteByte(c)
		case '"':
			// The run already written, once more, plus one for the quote.
			b.WriteString(strings.Repeat(`\`, run+1))
			b.WriteByte(c)
			run = 0
		default:
			run = 0
			b.WriteByte(c)
		}
	}
	if needQuotes {
		b.WriteString(strings.Repeat(`\`, run))
		b.WriteByte('"')
	}
	return b.String()
}
