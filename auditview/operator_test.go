package auditview

import (
	"testing"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/inbox"
)

// TestOperatorNote: the REASON column of a retry, pause or resume says
// which server, who and why.
func TestOperatorNote(t *testing.T) {
	alice := audit.Actor{User: "alice"}
	tests := []struct {
		rec  audit.Record
		want string
	}{
		{audit.Record{Type: audit.TypeRetry, Server: "PS002", Actor: alice, Detail: audit.JSON(inbox.OperatorDetail{Reason: "trust repaired"})},
			"retry of PS002 by alice: trust repaired"},
		{audit.Record{Type: audit.TypePause, Actor: alice}, "pause of every server by alice"},
		{audit.Record{Type: audit.TypeResume, Server: "PS003", Actor: alice}, "resume of PS003 by alice"},
	}
	for _, tt := range tests {
		if got := Note(Row{Record: tt.rec}); got != tt.want {
			t.Errorf("Note(%s) = %q, want %q", tt.rec.Type, got, tt.want)
		}
	}
}
