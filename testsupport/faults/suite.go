package faults

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
	api "slipway.dev/services/api"
	"slipway.dev/testsupport/natscluster"
)

// Report is a run: what was done, what broke, and the figures.
type Report struct {
	Plan   Plan
	Faults []Injected
	Ops    []Op
	// Unanswered are the commands with no 2xx or 4xx answer, committed or not.
	Unanswered []Unanswered
	Events     int
	Violations []Violation
	// ServiceFailures are services that stopped on their own (not killed).
	ServiceFailures []error
	// Histories are the events of each deployment a violation names, to
	// read with the figures.
	Histories map[string][]string
	// Consumers are the durable consumers' states when violations were
	// found, to read with the histories.
	Consumers []string
	// Deliveries are the stored webhook deliveries of the events a
	// webhook violation names (state, attempts, last error), or what
	// reading them failed with.
	Deliveries []string
	// Settled is how long the system took, after the schedule, until no
	// work was left (rollouts, alias moves, webhook deliveries, projection).
	Settled time.Duration
}

// webhookPattern is the subscription's filter: every deployment event.
const webhookPattern = events.TypePattern("slipway.deployment.*")

// Run runs plan against a stack on nats, with data under dir, and checks
// the invariants. An error means the run could not be carried out (the
// stack did not start, an observation could not be read), not a violation.
func Run(ctx context.Context, nats *natscluster.Cluster, dir string, plan Plan, log *slog.Logger, logf func(string, ...any)) (Report, error) {
	s, err := StartStack(ctx, nats, dir, webhookRetry, log)
	if err != nil {
		return Report{Plan: plan}, err
	}
	defer s.Close()
	return run(ctx, s, plan, log, logf)
}

// webhookRetry is the api's webhook retry schedule in a run: about a
// minute in all, so deliveries failed during a fault are retried within
// the settling.
var webhookRetry = []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 5 * time.Second, 5 * time.Second, 5 * time.Second,
	5 * time.Second, 5 * time.Second, 5 * time.Second, 5 * time.Second, 10 * time.Second, 10 * time.Second, 10 * time.Second}

// run runs plan against s, which it does not close.
func run(ctx context.Context, s system, plan Plan, log *slog.Logger, logf func(string, ...any)) (Report, error) {
	rep := Report{Plan: plan}
	observer, err := bus.Connect(ctx, s.natsCluster().URLs(), "faults-observer")
	if err != nil {
		return rep, err
	}
	defer observer.Close()
	c := &client{base: s.apiURL(), http: &http.Client{}}
	if err := waitReady(ctx, c); err != nil {
		return rep, err
	}
	recv := NewReceiver()
	defer recv.Close()
	var sub struct{ Secret string }
	created := c.send(ctx, http.MethodPost, "/v1/webhooks", map[string]any{"url": recv.URL, "events": []string{string(webhookPattern)}}, "", time.Minute)
	if created.Status != http.StatusCreated || jsonInto(created.Body, &sub) != nil {
		return rep, fmt.Errorf("create the webhook subscription: %d %s", created.Status, created.Body)
	}
	recv.SetSecret(sub.Secret)
	_, webhookAfter, _, err := readEvents(ctx, observer)
	if err != nil {
		return rep, err
	}

	ops := &operations{rng: rand.New(rand.NewPCG(uint64(plan.Seed), 1)), c: c, revs: map[string]int{}}
	inj := &injector{rng: rand.New(rand.NewPCG(uint64(plan.Seed), 2)), plan: plan, stack: s, recv: recv, log: logf}
	// Commands run while faults are injected: every kind once at least,
	// then for as long as the plan says.
	opsCtx, stopOps := context.WithCancel(ctx)
	defer stopOps()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); ops.run(opsCtx) }()
	go func() { defer wg.Done(); defer stopOps(); inj.run(ctx, time.Now().Add(plan.Duration)) }()
	wg.Wait()
	rep.Ops, rep.Faults = ops.done(), inj.out
	recoveries(rep.Faults, rep.Ops)
	logf("schedule done: %d operations, %d faults; settling", len(rep.Ops), len(rep.Faults))

	settleStart := time.Now()
	o, err := settle(ctx, s, observer, recv, rep.Ops, webhookAfter, 4*time.Minute)
	if err != nil {
		rep.Settled = time.Since(settleStart)
		return rep, err
	}
	// What the services append on their own once settled (the monitor's
	// health transitions, the workers' periodic checks) would reach the
	// rebuild, which projects EVENTS to its end, but not the read models
	// observed before: they stop (and their goroutines end), and the
	// observation is made again on a stream nothing appends to.
	for _, name := range []string{SvcMonitor, SvcWorker1, SvcWorker2, SvcPromoter} {
		if !s.Stop(name, 30*time.Second) {
			return rep, fmt.Errorf("%s was still running 30 s after it was stopped", name)
		}
	}
	o, err = settle(ctx, s, observer, recv, rep.Ops, webhookAfter, time.Minute)
	rep.Settled = time.Since(settleStart)
	if err != nil {
		return rep, err
	}
	rep.Events = len(o.Events)
	if o.Unanswered, err = classify(ctx, observer, rep.Ops, rep.Faults); err != nil {
		return rep, err
	}
	rep.Unanswered = o.Unanswered
	if o.Rebuilt, err = rebuild(ctx, s, o.LastSeq, log); err != nil {
		return rep, err
	}
	// The rebuild projects EVENTS to its end: the comparison holds only if
	// that end is still the one the read models were observed at.
	if _, last, _, err := readEvents(ctx, observer); err != nil || last != o.LastSeq {
		return rep, fmt.Errorf("EVENTS ended at %d when the read models were observed, at %d after the rebuild (%v): something appended after the services stopped",
			o.LastSeq, last, err)
	}
	rep.Violations = Check(o)
	rep.Histories = histories(o, rep.Violations)
	if len(rep.Violations) > 0 {
		rep.Consumers = consumerStates(ctx, observer)
		rep.Deliveries = deliveryStates(ctx, s.MongoURI(), o, rep.Violations)
	}
	rep.ServiceFailures = s.Failures()
	return rep, nil
}

// consumerStates describes every durable consumer of COMMANDS and EVENTS.
func consumerStates(ctx context.Context, observer *bus.Conn) []string {
	var out []string
	for _, name := range []string{events.StreamCommands, events.StreamEvents} {
		st, err := observer.Stream(ctx, name)
		if err != nil {
			out = append(out, err.Error())
			continue
		}
		for info := range st.ListConsumers(ctx).Info() {
			if info.Config.Durable == "" {
				continue
			}
			leader := ""
			if info.Cluster != nil {
				leader = info.Cluster.Leader
			}
			out = append(out, fmt.Sprintf("%s/%s: delivered %d, ack floor %d, ack pending %d, redelivered %d, pending %d, waiting pulls %d, leader %s",
				name, info.Name, info.Delivered.Stream, info.AckFloor.Stream, info.NumAckPending, info.NumRedelivered, info.NumPending, info.NumWaiting, leader))
		}
	}
	return out
}

// histories lists the events of each deployment a violation names.
func histories(o Observed, vs []Violation) map[string][]string {
	out := map[string][]string{}
	for _, v := range vs {
		subject, ok := violationSubject(v)
		if !ok {
			continue
		}
		if _, done := out[subject]; done {
			continue
		}
		for _, e := range o.Events {
			if e.Envelope.Subject == subject {
				out[subject] = append(out[subject], fmt.Sprintf("%d %s %s cause=%s op=%s %s", e.Seq, e.Envelope.Time.Format("15:04:05.000"),
					strings.TrimPrefix(e.Envelope.Type, "slipway.deployment."), e.Envelope.CausationID, e.Envelope.CorrelationID, brief(e.Envelope.Data)))
			}
		}
	}
	return out
}

// violationSubject is the deployment a violation names: its detail's
// first word before ": ", or the deployment of a replay violation's
// document ("deployments owner/project/name differs ...", "revisions
// owner/project/name/v3 ...").
func violationSubject(v Violation) (string, bool) {
	subject, _, ok := strings.Cut(v.Detail, ": ")
	if v.Invariant == InvReplay {
		for _, coll := range []string{"deployments ", "revisions "} {
			if rest, found := strings.CutPrefix(v.Detail, coll); found {
				id, _, _ := strings.Cut(rest, " ")
				parts := strings.Split(id, "/")
				subject, ok = strings.Join(parts[:min(3, len(parts))], "/"), true
			}
		}
	}
	return subject, ok && strings.Count(subject, "/") == 2
}

func brief[T ~string | ~[]byte](b T) string {
	if len(b) > 160 {
		return string(b[:160]) + "..."
	}
	return string(b)
}

// observe gathers everything but the rebuild.
func observe(ctx context.Context, s system, observer *bus.Conn, recv *Receiver, ops []Op, webhookAfter uint64) (Observed, error) {
	o := Observed{WebhookAfter: webhookAfter, WebhookPattern: webhookPattern}
	for _, op := range ops {
		if op.Answer.stored() {
			o.Accepted = append(o.Accepted, op.Answer.OperationID)
		}
	}
	var err error
	if o.FirstSeq, o.LastSeq, o.Events, err = readEvents(ctx, observer); err != nil {
		return o, err
	}
	o.Delivered, _ = recv.Delivered()
	if o.ReadModel, err = dumpReadModels(ctx, s.MongoURI(), "slipway"); err != nil {
		return o, err
	}
	cl, ns := s.cluster()
	o.Cluster, err = clusterObjects(ctx, cl, ns, sortedKeys(lives(o.Events)))
	return o, err
}

// settle waits until no work is left (every command decided, no rollout or
// alias move unfinished, every matching event delivered, the read models projected up to the last
// event), or limit passes, and returns the last observation.
func settle(ctx context.Context, s system, observer *bus.Conn, recv *Receiver, ops []Op, webhookAfter uint64, limit time.Duration) (Observed, error) {
	deadline := time.Now().Add(limit)
	for {
		o, err := observe(ctx, s, observer, recv, ops, webhookAfter)
		if err == nil {
			var at uint64
			if at, err = checkpoint(ctx, s.MongoURI(), "slipway"); err == nil && at >= o.LastSeq &&
				len(checkOutcomes(o))+len(checkNoOrphanWork(o))+len(checkWebhooks(o)) == 0 {
				// observe dumped the read models before this checkpoint
				// was read: they may miss the last flush. Dumped again now,
				// they hold every event up to LastSeq (a CI run compared a
				// dump without the last health transitions to the rebuild).
				o.ReadModel, err = dumpReadModels(ctx, s.MongoURI(), "slipway")
				return o, err
			}
		}
		if time.Now().After(deadline) {
			if err != nil {
				return o, fmt.Errorf("observe after settling: %w", err)
			}
			return o, nil // what is left unfinished is reported as violations
		}
		if !sleep(ctx, time.Second) {
			return o, ctx.Err()
		}
	}
}

// rebuild projects EVENTS into an empty database with a second api (its
// projector under a lease of its own database) and dumps the result.
func rebuild(ctx context.Context, s system, upTo uint64, log *slog.Logger) (Documents, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- api.Run(rctx, api.Config{Listener: ln, NATSURL: s.natsCluster().URLs(), StreamReplicas: s.replicas(), MongoURI: s.MongoURI(),
			MongoDB: "rebuild", InstanceID: "faults-rebuild", WebhookKeys: s.webhookKeys(),
			Auth: api.AuthConfig{InsecureNoAuth: true}, Logger: log.With("service", "api-rebuild")})
	}()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		at, err := checkpoint(ctx, s.MongoURI(), "rebuild")
		if err == nil && at >= upTo {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the rebuild projected up to %d of %d in 3 minutes (%v)", at, upTo, err)
		}
		select {
		case err := <-done:
			return nil, fmt.Errorf("the rebuild's api stopped: %w", err)
		case <-time.After(250 * time.Millisecond):
		}
	}
	return dumpReadModels(ctx, s.MongoURI(), "rebuild")
}

// waitReady waits until the api answers ready and lists the target.
func waitReady(ctx context.Context, c *client) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var l struct{ Items []map[string]any }
		status, body := c.once(ctx, http.MethodGet, "/readyz", nil, "")
		if status == http.StatusOK && c.get(ctx, "/v1/targets", &l) && len(l.Items) > 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the api was not ready with its target within 2 minutes: readyz %d %s, %d targets", status, body, len(l.Items))
		}
		if !sleep(ctx, 200*time.Millisecond) {
			return ctx.Err()
		}
	}
}
