package policy

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// deepPolicy is base plus an attribute holding depth nested "[": the
// 400 kB file of the review at depth 200,000.
func deepPolicy(depth int) string {
	return base + "x = " + strings.Repeat("[", depth) + strings.Repeat("]", depth) + "\n"
}

// TestHostileShapesRejectedBeforeParsing: shapes that overflowed hcl's
// recursion (a fatal error, not a panic: it killed the daemon) or cost
// it quadratic time are refused at the place the bound is crossed.
func TestHostileShapesRejectedBeforeParsing(t *testing.T) {
	deep := func(open, close string, n int) string {
		return base + "mode = " + strings.Repeat(open, n) + "1" + strings.Repeat(close, n) + "\n"
	}
	tests := []struct {
		name, src, at, summary string
	}{
		{"200k nested brackets", deepPolicy(200_000), "3:37", "Policy nested too deeply"},
		{"nested parentheses", deep("(", ")", 100_000), "3:40", "Policy nested too deeply"},
		{"nested braces", base + "x = " + strings.Repeat("{a=", 50_000) + "1" + strings.Repeat("}", 50_000) + "\n", "3:101", "Policy nested too deeply"},
		{"unary minus run", deep("-", "", 500_000), "3:40", "Policy nested too deeply"},
		{"unary not run with spaces", deep("! ", "", 300_000), "3:72", "Policy nested too deeply"},
		{"binary minus then unary run", base + "mode = 1" + strings.Repeat("-", 200_000) + "1\n", "3:41", "Policy nested too deeply"},
		{"nested interpolations", base + "mode = \"" + strings.Repeat("${\"", 100_000) + "x" + strings.Repeat("\"}", 100_000) + "\"\n", "3:56", "Policy nested too deeply"},
		{"heredoc interpolations", base + "mode = <<EOT\n" + strings.Repeat("${[", 20_000) + "\nEOT\n", "4:48", "Policy nested too deeply"},
		{"too large", base + "# " + strings.Repeat("x", MaxFileBytes) + "\n", "3:" + fmt.Sprint(MaxFileBytes-len(base)+1), "Policy file too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkOneDiag(t, tt.src, tt.at, tt.summary)
		})
	}
}

// checkOneDiag parses src and wants exactly one diagnostic at line:col.
func checkOneDiag(t *testing.T, src, at, summary string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "policy.hcl")
	_, err := Parse([]byte(src), file)
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("Parse: %v, want *Error", err)
	}
	if len(pe.Diags) != 1 {
		t.Fatalf("want 1 diagnostic, got %d: %v", len(pe.Diags), err)
	}
	want := file + ":" + at + ": " + summary
	if got := pe.Error(); !strings.HasPrefix(got, want) {
		t.Errorf("got  %.300s\nwant %s…", got, want)
	}
	var out strings.Builder
	if werr := pe.Write(&out, false); werr != nil || !strings.Contains(out.String(), summary) {
		t.Errorf("Write: %v %q", werr, out.String())
	}
}

// TestNestingThatIsNotNesting: brackets and operators inside comments,
// strings, escapes and heredocs, dashes inside identifiers and a policy
// at exactly MaxNesting are no reason to refuse a file.
func TestNestingThatIsNotNesting(t *testing.T) {
	many := strings.Repeat("[[[[(((({{{{----!!!!", 100)
	tests := []struct{ name, src string }{
		{"comments", "# " + many + "\n// " + many + "\n/* " + many + "\n*/\n"},
		{"string", "reconcile { schedule = \"@every 1m\" }\naudit { path = \"" + strings.Repeat("[(-", 300) + "\" }\n"},
		{"escapes", "audit { path = \"a\\\"[[[[\\\\\" }\n"},
		{"escaped interpolation", "audit { path = \"$${" + strings.Repeat("[", 100) + "\" }\n"},
		{"heredoc", "audit {\n  path = <<EOT\n" + many + "\n  EOT\n}\n"},
		{"dashes in identifiers", "scope { include = [\"PS" + strings.Repeat("-", 100) + "x\"] }\n"},
		{"exactly at the bound", "x = " + strings.Repeat("[", MaxNesting) + strings.Repeat("]", MaxNesting) + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := checkShape([]byte(base+tt.src), "p.hcl"); d != nil {
				t.Fatalf("refused: %s; %s", d.Summary, d.Detail)
			}
		})
	}
	if d := checkShape([]byte(deepPolicy(MaxNesting+1)), "p.hcl"); d == nil {
		t.Fatal("MaxNesting+1 accepted")
	}
}

// TestLongListsAreLinear: a scope list of n names decodes (the review's
// 2M entries took more than 24 CPU-minutes: cty unified the tuple's
// element types pairwise); over MaxListItems it is refused at the list.
func TestLongListsAreLinear(t *testing.T) {
	names := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "%q,", fmt.Sprintf("PS%05d", i))
		}
		return b.String()
	}
	p, err := Parse([]byte(base+"scope { include = ["+names(MaxListItems)+"] }\n"), "/p.hcl")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Scope.Include) != MaxListItems || p.Scope.Include[MaxListItems-1] != fmt.Sprintf("PS%05d", MaxListItems-1) {
		t.Fatalf("decoded %d globs", len(p.Scope.Include))
	}
	checkOneDiag(t, base+"scope { include = ["+names(MaxListItems+1)+"] }\n", "3:19", "List too long")
	checkOneDiag(t, base+`scope { include = ["a", ["b"]] }`, "3:25", "Incorrect attribute value type")
	checkOneDiag(t, base+`scope { include = ["a", null] }`, "3:25", "Incorrect attribute value type")
	checkOneDiag(t, base+`scope { include = "a" }`, "3:19", "Incorrect attribute value type")
}

// TestLoadRefusesHugeAndDeepFiles: Load reads at most one byte more than
// the bound, so a file of any size is refused without being read whole.
func TestLoadRefusesHugeAndDeepFiles(t *testing.T) {
	dir := t.TempDir()
	deep := filepath.Join(dir, "deep.hcl")
	if err := os.WriteFile(deep, []byte(deepPolicy(200_000)), 0o644); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "huge.hcl")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(f.Truncate(1<<34), f.Close()); err != nil { // 16 GiB, sparse
		t.Fatal(err)
	}
	for path, want := range map[string]string{deep: deep + ":3:37: Policy nested too deeply", huge: huge + ":1:1048577: Policy file too large"} {
		_, err := Load(path)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Load(%s): %.200v, want %s", filepath.Base(path), err, want)
		}
	}
}
