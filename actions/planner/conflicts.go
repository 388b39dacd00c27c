package planner

import (
	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/observed"
)

// NoteCMDBConflict is the kind of the note of a fact the CMDB states two
// ways (observed.Conflict): nothing is planned for what it names.
const NoteCMDBConflict = "cmdb_conflict"

// conflictNotes notes every conflict of the observation. The pairs and
// servers a conflict names are not in the observation at all (package
// observed leaves them out), so nothing is planned for them; the note
// says why.
func conflictNotes(b *builder, obs *observed.Observation) {
	for _, c := range obs.Conflicts {
		t := actions.Target{Server: c.Server}
		if c.Kind == observed.ConflictPackageVersions || c.Kind == observed.ConflictPairRows {
			t.Package = c.Package
		}
		b.note(t, NoteCMDBConflict, c.Message()+": nothing planned for it")
	}
}
