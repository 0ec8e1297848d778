package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
)

// createFleet creates n deployments of one replica in project owner/project,
// named model-0..model-(n-1), at once, and waits until they run.
func createFleet(ctx context.Context, c *client, project string, n int) ([]events.DeploymentRef, error) {
	refs := make([]events.DeploymentRef, n)
	g, gctx := errgroup.WithContext(ctx)
	for i := range refs {
		refs[i] = events.DeploymentRef{Owner: "bench", Project: project, Name: fmt.Sprintf("model-%d", i)}
		g.Go(func() error {
			return c.create(gctx, refs[i], map[string]string{"team": "risk"}, spec("ghcr.io/acme/scorer:1.0", 1))
		})
	}
	return refs, g.Wait()
}

// appender appends RolloutProgressed events of revision 1 (counts of a
// finished one-replica rollout: nothing a reader acts on) to deployments'
// histories, with optimistic concurrency like the worker's appends. Not
// safe for concurrent use.
type appender struct {
	conn *bus.Conn
	refs []events.DeploymentRef
	last []uint64
	n    int
}

func newAppender(ctx context.Context, conn *bus.Conn, refs []events.DeploymentRef) (*appender, error) {
	a := &appender{conn: conn, refs: refs, last: make([]uint64, len(refs))}
	for i, ref := range refs {
		seq, err := conn.LastSeq(ctx, events.DeploymentSubject(ref))
		if err != nil {
			return nil, err
		}
		a.last[i] = seq
	}
	return a, nil
}

// envelope is the i-th appended event of deployment ref.
func progressEnvelope(ref events.DeploymentRef, i int) (events.Envelope, error) {
	msg := events.RolloutProgressed{Revision: 1, Replicas: events.Replicas{Desired: 1, Updated: 1, Ready: 1, Available: 1},
		Conditions: []events.Condition{{Type: "Available", Status: "True", Reason: "MinimumReplicasAvailable"}}}
	return events.Wrap(msg, events.Meta{ID: fmt.Sprintf("%s/bench-%d", ref, i), Source: "/slipway/bench",
		Subject: ref.String(), Time: time.Now(), Actor: "system:bench"})
}

// append adds one event to deployment i and returns its stream sequence.
// A conflict (the health monitor appended meanwhile) reloads and retries.
func (a *appender) append(ctx context.Context, i int) (uint64, error) {
	a.n++
	ref := a.refs[i]
	env, err := progressEnvelope(ref, a.n)
	if err != nil {
		return 0, err
	}
	subject := events.DeploymentSubject(ref)
	for range 5 {
		pub, err := a.conn.Append(ctx, subject, env, a.last[i])
		if err == nil {
			a.last[i] = pub.Seq
			return pub.Seq, nil
		}
		if !errors.Is(err, bus.ErrConflict) {
			return 0, err
		}
		if a.last[i], err = a.conn.LastSeq(ctx, subject); err != nil {
			return 0, err
		}
	}
	return 0, fmt.Errorf("append to %s: conflicts persist", ref)
}
