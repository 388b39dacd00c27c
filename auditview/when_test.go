package auditview

import (
	"testing"
	"time"
)

func TestStamp(t *testing.T) {
	at := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	if got := Stamp(at, time.FixedZone("UTC+1", 3600)); got != "2026-03-01T03:00:00+01:00" {
		t.Errorf("Stamp = %s", got)
	}
	if got := Stamp(at, nil); got != "2026-03-01T02:00:00Z" {
		t.Errorf("Stamp in UTC = %s", got)
	}
}
