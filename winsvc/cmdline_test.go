package winsvc

import (
	"slices"
	"strings"
	"testing"
)

func TestCommandLine(t *testing.T) {
	tests := []struct {
		name string
		exe  string
		args []string
		want string
	}{
		{"plain", `C:\reconciler\reconciler.exe`, []string{"run", "--policy", `C:\ProgramData\reconciler\policy.hcl`},
			`C:\reconciler\reconciler.exe run --policy C:\ProgramData\reconciler\policy.hcl`},
		{"spaces in exe and policy", `C:\Program Files\reconciler\reconciler.exe`,
			[]string{"run", "--policy", `C:\Program Data\ITMS reconciler\policy.hcl`},
			`"C:\Program Files\reconciler\reconciler.exe" run --policy "C:\Program Data\ITMS reconciler\policy.hcl"`},
		{"log file with spaces", `C:\r\reconciler.exe`,
			[]string{"run", "--policy", `C:\r\policy.hcl`, "--log-file", `D:\Logs and more\reconciler.jsonl`},
			`C:\r\reconciler.exe run --policy C:\r\policy.hcl --log-file "D:\Logs and more\reconciler.jsonl"`},
		{"folder with trailing backslash and space", `C:\r\reconciler.exe`, []string{`C:\a b\`},
			`C:\r\reconciler.exe "C:\a b\\"`},
		{"UNC path with space", `\\fs01\tools\reconciler.exe`, []string{`\\fs01\itms share\policy.hcl`},
			`\\fs01\tools\reconciler.exe "\\fs01\itms share\policy.hcl"`},
		{"tab", `C:\r.exe`, []string{"a\tb"}, "C:\\r.exe \"a\tb\""},
		{"empty argument", `C:\r.exe`, []string{""}, `C:\r.exe ""`},
		{"quote without space", `C:\r.exe`, []string{`a"b`}, `C:\r.exe a\"b`},
		{"backslashes before a quote", `C:\r.exe`, []string{`a\\"b c`}, `C:\r.exe "a\\\\\"b c"`},
		{"unicode", `C:\Outils\réconciliateur.exe`, []string{`C:\Données\politique ITMS.hcl`},
			`C:\Outils\réconciliateur.exe "C:\Données\politique ITMS.hcl"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CommandLine(tt.exe, tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("CommandLine =\n  %s\nwant\n  %s", got, tt.want)
			}
			if back := splitWindows(got); !slices.Equal(back, append([]string{tt.exe}, tt.args...)) {
				t.Errorf("split back: %q", back)
			}
		})
	}
}

func TestCommandLineRefuses(t *testing.T) {
	for _, tt := range []struct {
		exe  string
		args []string
	}{
		{"", nil},
		{`C:\a"b.exe`, nil},
		{`C:\r.exe`, []string{"a\x00b"}},
	} {
		if got, err := CommandLine(tt.exe, tt.args); err == nil {
			t.Errorf("CommandLine(%q, %q) = %q, want an error", tt.exe, tt.args, got)
		}
	}
}

// TestQuoteArgRoundTrip checks, on awkward arguments, that what QuoteArg
// writes is split back into the same string by the Windows rules.
func TestQuoteArgRoundTrip(t *testing.T) {
	awkward := []string{
		``, ` `, `\`, `\\`, `"`, `\"`, `\\"`, `a b\`, `a b\\`, `"a b"`, `a\"b`,
		`a\\\"b c`, `--policy=C:\x y\p.hcl`, "x\ty", `C:\`, `C:\ `, `\\server\share\`,
		`pa"ss w\"ord\`,
	}
	for _, a := range awkward {
		line := `C:\r.exe ` + QuoteArg(a)
		got := splitWindows(line)
		if len(got) != 2 || got[1] != a {
			t.Errorf("QuoteArg(%q) = %s; split back %q", a, QuoteArg(a), got)
		}
	}
}

// splitWindows splits a command line the way CommandLineToArgvW does: the
// program name runs to the closing quote (or the first blank) with no
// escapes; in the arguments, 2n backslashes before a quote are n
// backslashes and a quote that toggles quoting, 2n+1 are n backslashes and
// a literal quote, and other backslashes are literal.
func splitWindows(line string) []string {
	var out []string
	i := 0
	if strings.HasPrefix(line, `"`) {
		end := strings.IndexByte(line[1:], '"')
		out = append(out, line[1:end+1])
		i = end + 2
	} else {
		end := strings.IndexAny(line, " \t")
		if end < 0 {
			return []string{line}
		}
		out = append(out, line[:end])
		i = end
	}
	for {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i >= len(line) {
			return out
		}
		var arg string
		arg, i = splitOne(line, i)
		out = append(out, arg)
	}
}

// splitOne reads one argument starting at i and returns it and the index
// after it.
func splitOne(line string, i int) (string, int) {
	var b strings.Builder
	quoted := false
	for i < len(line) {
		c := line[i]
		switch {
		case c == '\\':
			n := 0
			for i < len(line) && line[i] == '\\' {
				n++
				i++
			}
			if i < len(line) && line[i] == '"' {
				b.WriteString(strings.Repeat(`\`, n/2))
				if n%2 == 1 {
					b.WriteByte('"')
					i++
				}
				continue
			}
			b.WriteString(strings.Repeat(`\`, n))
			continue
		case c == '"':
			quoted = !quoted
		case (c == ' ' || c == '\t') && !quoted:
			return b.String(), i
		default:
			b.WriteByte(c)
		}
		i++
	}
	return b.String(), i
}
