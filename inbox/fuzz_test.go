package inbox

import (
	"testing"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/vocab"
)

// FuzzReadRequest: any request file's content, decoded as readRequest
// decodes it after the rights checks (without the file I/O, so that a run
// is fast: with a file per input, CI's six seconds ended inside a run and
// the fuzzer failed with "context deadline exceeded"), either is refused
// with an error or yields a record of a known type whose server, if any,
// is a valid host name and whose actor is the file's owner.
func FuzzReadRequest(f *testing.F) {
	f.Add([]byte(forgedApproval))
	f.Add([]byte(`{"type":"retry","server":"PS001","reason":"x","actor":{},"at":"2026-11-24T10:00:00Z"}`))
	f.Add([]byte(`{"type":"pause","server":"..\\..\\Windows","actor":{},"at":"2026-11-24T10:00:00Z"}`))
	f.Add([]byte(`{"type":"breaker","actor":{"user":"root"}}`))
	const owner = "CORP\\svc-reconciler"
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := decodeRequest(b, owner)
		if err != nil {
			return
		}
		if _, ok := kinds[rec.Type]; !ok {
			t.Fatalf("record of unknown type %q", rec.Type)
		}
		if rec.Server != "" {
			if _, err := vocab.ParseHost(rec.Server); err != nil {
				t.Fatalf("record names a bad server: %v", err)
			}
		}
		if rec.Actor != (audit.Actor{Host: audit.CurrentActor().Host, User: owner}) {
			t.Fatalf("actor %+v is not the file's owner %q", rec.Actor, owner)
		}
	})
}
