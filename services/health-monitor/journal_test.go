package monitor

import (
	"fmt"
	"testing"

	"slipway.dev/pkg/embedded/embeddedtest"
	"slipway.dev/pkg/events"
)

// TestJournalAppend: a deployment without history gets nothing; a
// transition is appended once, named by the history's position, and the
// same transition reported again (another replica, a retried attempt) is
// not appended twice.
func TestJournalAppend(t *testing.T) {
	ctx := t.Context()
	conn, _ := embeddedtest.NATS(t)
	j := busJournal{bus: conn}
	ref := events.DeploymentRef{Owner: "acme", Project: "fraud", Name: "scorer"}
	degraded := events.HealthChanged{From: "Healthy", To: "Degraded", Reason: "CrashLoopBackOff", Revision: 2}

	if err := j.Append(ctx, ref, degraded); err != nil {
		t.Fatal(err)
	}
	if last, _ := conn.LastSeq(ctx, events.DeploymentSubject(ref)); last != 0 {
		t.Fatalf("appended to a deployment without history (last %d)", last)
	}

	appendCreated(t, ctx, conn, ref)
	created, _ := conn.LastSeq(ctx, events.DeploymentSubject(ref))
	for range 2 {
		if err := j.Append(ctx, ref, degraded); err != nil {
			t.Fatal(err)
		}
	}
	records, _, err := conn.History(ctx, events.DeploymentSubject(ref))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range records {
		ids = append(ids, r.Envelope.ID)
	}
	if len(records) != 2 || records[1].Envelope.ID != fmt.Sprintf("%s/health/%d", ref, created) {
		t.Fatalf("history %v; want the creation and one HealthChanged named %s/health/%d", ids, ref, created)
	}
	if key, err := j.LastHealth(ctx, ref); err != nil || key != keyOf(degraded) {
		t.Fatalf("LastHealth = %+v, %v", key, err)
	}
}
