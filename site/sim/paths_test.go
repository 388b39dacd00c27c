package sim

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/site/sim/scenario"
	"github.com/itms-tools/reconciler/vocab"
)

// TestUnsafeTargetsRefused feeds hand-built malicious targets to both
// stores: each is refused, counted, and touches nothing.
func TestUnsafeTargetsRefused(t *testing.T) {
	parent := t.TempDir()
	sentinel := filepath.Join(parent, "Windows", "System32", "keep.txt")
	if err := os.MkdirAll(filepath.Dir(sentinel), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sentinel, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	b := newStoresIn(t, small(t, ""), filepath.Join(parent, "site"))
	g := b.mem.Packages()[0]
	raw := func(k actions.Kind, server, pkg string) actions.Action {
		return actions.Action{Kind: k, Target: actions.Target{Server: vocab.Host(server), Package: vocab.GUID(pkg)}}
	}
	bad := []actions.Action{
		raw(actions.DeletePSSnapshot, "PS001", `..\..\Windows`),
		raw(actions.DeletePSSnapshot, "PS001", "../../../Windows/System32/keep.txt"),
		raw(actions.DeletePSStatus, "C:", string(g)),
		raw(actions.DeletePSStatus, "PS001", strings.ToUpper(string(g))),
		raw(actions.DeletePSSnapshot, "PS001", ""),
		raw(actions.DeleteNSSnapshot, "", "../../../../Windows/System32/keep"),
		raw(actions.UpdateConfiguration, "PS001/../..", ""),
		raw(actions.ResendStatus, "..", ""),
		raw(actions.GrantACL, "CON", ""),
	}
	before := tree(t, parent)
	for i, a := range bad {
		for _, st := range b.each() {
			err := st.s.Apply(ctx, a)
			if !errors.Is(err, ErrUnsafePath) {
				t.Errorf("%s %s on %s: error %v, want ErrUnsafePath", a.Kind, a.Target, st.name, err)
			}
			if n := st.s.UnsafePathsTouched(); n != i+1 {
				t.Errorf("%s: unsafe paths %d, want %d", st.name, n, i+1)
			}
		}
	}
	for _, st := range b.each() {
		_, aerr := st.s.Agent(ctx, "C:", nil)
		_, perr := st.s.Agent(ctx, "PS001", []vocab.GUID{`..\..\x`})
		_, serr := st.s.Snapshots(ctx, []vocab.GUID{"../x"})
		if !errors.Is(aerr, ErrUnsafePath) || !errors.Is(perr, ErrUnsafePath) || !errors.Is(serr, ErrUnsafePath) {
			t.Errorf("%s: observations not refused: %v, %v, %v", st.name, aerr, perr, serr)
		}
		if n := st.s.UnsafePathsTouched(); n != len(bad)+3 {
			t.Errorf("%s: unsafe paths %d, want %d", st.name, n, len(bad)+3)
		}
	}
	after := tree(t, parent)
	delete(before, "site/site.json") // it holds the counter
	delete(after, "site/site.json")
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("files changed:\nbefore %v\nafter  %v", before, after)
	}
	if v := sameView(t, "after", b); v.Applied[actions.DeletePSSnapshot] != 0 {
		t.Fatalf("applied %v", v.Applied)
	}
}

// newStoresIn is newStores with the disk site in a given folder.
func newStoresIn(t *testing.T, sc *scenario.Scenario, dir string) stores {
	t.Helper()
	b := newStores(t, sc)
	b.disk.Close()
	disk, err := Open(ctx, dir, sc, sc.Seed, Options{Clock: b.clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { disk.Close() })
	b.disk, b.dir = disk, dir
	return b
}

// tree hashes every file under root, by slash path.
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if strings.Contains(rel, "cmdb.sqlite") {
			return nil // the CMDB's WAL files move with reads; rows are compared through the views
		}
		out[filepath.ToSlash(rel)] = fmt.Sprintf("%x", sha256.Sum256(data))[:12]
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestErrorsQuoteUntrustedText: a malformed target reaches an error
// message quoted, a well-formed one plain.
func TestErrorsQuoteUntrustedText(t *testing.T) {
	s, err := NewMemory(small(t, ""), 11, Options{Clock: newClock()})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		a    actions.Action
		want string
	}{
		{act(actions.ResendStatus, "PS009", ""), "apply resend_status PS009: unknown server PS009"},
		{act(actions.ResendStatus, "PS001\nlevel=INFO msg=forged", ""), `apply resend_status "PS001\nlevel=INFO msg=forged": unsafe path: `},
		{act("x\ny", "PS001", ""), `apply "x\ny" PS001: unknown action kind "x\ny"`},
	}
	for _, tc := range tests {
		err := s.Apply(ctx, tc.a)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("error %q, want prefix %q", err, tc.want)
		}
	}
	if _, err := s.Agent(ctx, "a\tb", nil); err == nil || !strings.HasPrefix(err.Error(), `agent "a\tb": `) {
		t.Errorf("agent error %q", err)
	}
}
