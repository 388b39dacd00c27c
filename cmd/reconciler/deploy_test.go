package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/audit/rfc5424"
	"github.com/itms-tools/reconciler/daemon"
)

// metricRef finds the reconciler's metric names in a rule or a query.
var metricRef = regexp.MustCompile(`\breconciler_[a-z0-9_]+`)

// daemonMetricNames are the names of every metric the daemon serves:
// the controller's, and the syslog forwarder's (registered when the
// policy forwards).
func daemonMetricNames(t *testing.T) []string {
	t.Helper()
	f := rfc5424.New(rfc5424.Config{Network: "udp", Address: "127.0.0.1:9"})
	defer f.Close()
	m := daemon.NewMetrics(f)
	names := m.MetricNames()
	mfs, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		names = append(names, mf.GetName())
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// unknownMetrics returns the reconciler_ names text uses that are not in
// names; a histogram's _bucket, _sum and _count series count as its name.
func unknownMetrics(text string, names []string) []string {
	var out []string
	for _, ref := range metricRef.FindAllString(text, -1) {
		base := ref
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if b, ok := strings.CutSuffix(ref, suffix); ok && slices.Contains(names, b) {
				base = b
			}
		}
		if !slices.Contains(names, base) && !slices.Contains(out, ref) {
			out = append(out, ref)
		}
	}
	return out
}

// TestDeployNamesOnlyMetricsThatExist: every reconciler_ metric the
// example alert rules and the Grafana dashboard name is served.
func TestDeployNamesOnlyMetricsThatExist(t *testing.T) {
	names := daemonMetricNames(t)
	if bad := unknownMetrics("up{job} reconciler_not_ready_pairs reconciler_no_such_metric", names); !slices.Equal(bad, []string{"reconciler_no_such_metric"}) {
		t.Fatalf("the check itself: %v", bad)
	}
	for _, file := range []string{"prometheus/alerts.yml", "prometheus/alerts_test.yml", "grafana/reconciler.json"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "deploy", file))
		if err != nil {
			t.Fatal(err)
		}
		if bad := unknownMetrics(string(b), names); len(bad) > 0 {
			t.Errorf("deploy/%s names metrics the daemon does not serve: %v", file, bad)
		}
		if n := len(metricRef.FindAllString(string(b), -1)); n < 3 {
			t.Errorf("deploy/%s names %d metrics: is it the right file?", file, n)
		}
	}
}

// TestGrafanaDashboardShape: the dashboard is JSON with a query in every
// panel, on the datasource variable.
func TestGrafanaDashboardShape(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "grafana", "reconciler.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		UID    string `json:"uid"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &d); err != nil || d.UID == "" || len(d.Panels) < 8 {
		t.Fatalf("dashboard: %v, uid %q, %d panels", err, d.UID, len(d.Panels))
	}
	for _, p := range d.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			if !metricRef.MatchString(tg.Expr) {
				t.Errorf("panel %q: query %q names no reconciler metric", p.Title, tg.Expr)
			}
		}
	}
}
