package events

// RevisionOf returns the revision an event makes: a created deployment's
// first, a new revision (an update, a rollback, a promotion), or the
// revision that adopts a drift. ok is false for every other message. Every
// fold of a deployment's revisions asks this, so an event that comes to
// make revisions is added here once.
func RevisionOf(m Message) (rev Revision, ok bool) {
	switch e := m.(type) {
	case DeploymentCreated:
		return e.Revision, true
	case RevisionCreated:
		return e.Revision, true
	case DriftDetected:
		if e.Adopted != nil {
			return *e.Adopted, true
		}
	}
	return Revision{}, false
}
