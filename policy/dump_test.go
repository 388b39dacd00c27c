package policy

import (
	"flag"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// cronRef is the instant after which a dumped schedule shows its next run:
// Monday 2025-01-06 00:00 UTC.
var cronRef = time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)

// dump renders a policy one leaf per line ("Reconcile.Concurrency = 8"), so
// that a golden file shows every decoded value and every default. The
// folder dir is written $DIR so that goldens do not depend on the checkout.
func dump(p *Policy, dir string) string {
	var b strings.Builder
	dumpValue(&b, "", reflect.ValueOf(*p), dir)
	return b.String()
}

func dumpValue(b *strings.Builder, name string, v reflect.Value, dir string) {
	switch x := v.Interface().(type) {
	case time.Duration:
		fmt.Fprintf(b, "%s = %s\n", name, x)
		return
	case *time.Location:
		fmt.Fprintf(b, "%s = %s\n", name, x)
		return
	case cron.Schedule:
		fmt.Fprintf(b, "%s = next %s\n", name, x.Next(cronRef).Format(time.RFC3339))
		return
	case string:
		fmt.Fprintf(b, "%s = %q\n", name, strings.ReplaceAll(x, dir, "$DIR"))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			dumpValue(b, join(name, v.Type().Field(i).Name), v.Field(i), dir)
		}
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			fmt.Fprintf(b, "%s = nil\n", name)
			return
		}
		dumpValue(b, name, v.Elem(), dir)
	case reflect.Slice:
		if v.Len() == 0 {
			fmt.Fprintf(b, "%s = []\n", name)
		}
		for i := 0; i < v.Len(); i++ {
			dumpValue(b, fmt.Sprintf("%s[%d]", name, i), v.Index(i), dir)
		}
	default:
		fmt.Fprintf(b, "%s = %v\n", name, v.Interface())
	}
}

func join(prefix, field string) string {
	if prefix == "" {
		return field
	}
	return prefix + "." + field
}

// golden compares got with the golden file, or rewrites it under -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run go test -update): %v", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run go test ./policy -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
