package guard

import "github.com/itms-tools/reconciler/actions"

// restoresHeld binds a package server's snapshot deletion to the update
// that restores the file from the NS: when that update will not run in
// this pass (a gate holds it, or it waits), the deletion waits with it, so
// that no snapshot.xml is deleted and left missing until a later pass.
// The update is the update_configuration whose reasons require the
// deletion. It returns the deletions to hold that were admitted.
func restoresHeld(p actions.Plan, st *admission) map[string]actions.Hold {
	out := map[string]actions.Hold{}
	for _, u := range p.Actions {
		if u.Kind != actions.UpdateConfiguration || st.admitted(u.ID) {
			continue
		}
		for _, r := range u.Reasons {
			for _, id := range r.Requires {
				if isPSSnapshotDeletion(id) && st.admitted(id) {
					if _, done := out[id]; !done {
						out[id] = st.root(u.ID).BoundTo(actions.BindRestore, u.ID)
					}
				}
			}
		}
	}
	return out
}

func isPSSnapshotDeletion(id string) bool {
	k := string(actions.DeletePSSnapshot) + ":"
	return len(id) > len(k) && id[:len(k)] == k
}
