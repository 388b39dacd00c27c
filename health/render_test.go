package health_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/itms-tools/reconciler/health"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test -update after checking):\n%s", path, got)
	}
}

func TestRenderGolden(t *testing.T) {
	r := health.Evaluate(want, site(t), history(), t0)
	tests := []struct {
		file   string
		render func(*bytes.Buffer) error
	}{
		{"status.txt", func(b *bytes.Buffer) error { return health.RenderTable(b, r, health.TableOptions{}) }},
		{"status_words.txt", func(b *bytes.Buffer) error { return health.RenderTable(b, r, health.TableOptions{Words: true}) }},
		{"status.json", func(b *bytes.Buffer) error { return health.RenderJSON(b, r) }},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.render(&b); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.file, b.Bytes())
		})
	}
}
