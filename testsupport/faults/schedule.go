package faults

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"slipway.dev/pkg/events"
	"slipway.dev/testsupport/natscluster"
)

// Fault kinds, as the figures name them.
const (
	FaultLeaderKilled  = "stream leader killed, restarted"
	FaultPartition     = "node partitioned"
	FaultWorkerKilled  = "rollout worker killed"
	FaultAPIKilled     = "api killed"
	FaultMonitorKilled = "health monitor killed"
	FaultStoreStopped  = "store stopped"
	FaultWebhook500    = "webhook receiver answers 500"
	FaultWebhookHang   = "webhook receiver hangs"
	// FaultAPIServerStopped is ProcessStack's only: the target's
	// kube-apiserver stopped, then started again.
	FaultAPIServerStopped = "kube-apiserver stopped"
)

// FaultKinds are every kind the schedule injects, in a fixed order the
// seed shuffles.
var FaultKinds = []string{FaultLeaderKilled, FaultPartition, FaultWorkerKilled, FaultAPIKilled, FaultMonitorKilled,
	FaultStoreStopped, FaultWebhook500, FaultWebhookHang}

// ProcessFaultKinds are the kinds a ProcessStack's schedule injects:
// FaultKinds and the kube-apiserver's outage.
var ProcessFaultKinds = append(slices.Clone(FaultKinds), FaultAPIServerStopped)

// Plan is a run's size.
type Plan struct {
	Seed int64
	// Duration is how long operations run while faults are injected.
	Duration time.Duration
	// StoreOutage is how long the store stays stopped; Hold how long the
	// other faults last (a killed service or node stays down, a partition
	// holds, the receiver misbehaves) at most; Gap the pause between two.
	StoreOutage, Hold, Gap time.Duration
	// APIServerOutage is how long the kube-apiserver stays stopped
	// (FaultAPIServerStopped).
	APIServerOutage time.Duration
	// Kinds are the fault kinds injected (nil: FaultKinds).
	Kinds []string
}

// kinds are the fault kinds the plan injects.
func (p Plan) kinds() []string {
	if p.Kinds == nil {
		return FaultKinds
	}
	return p.Kinds
}

// Injected is one fault as it happened.
type Injected struct {
	Kind     string
	Target   string // the node or service it hit
	At       time.Time
	Lasted   time.Duration
	Recovery time.Duration // from At to the next command stored; -1: none
}

// Op is one command the schedule sent.
type Op struct {
	Kind   string
	Path   string
	Answer answer
	Start  time.Time
	End    time.Time
}

// Operation kinds.
const (
	OpCreate    = "create"
	OpUpdate    = "update"
	OpRollback  = "rollback"
	OpAlias     = "alias move"
	OpPromote   = "promotion"
	OpTerminate = "terminate"
)

const deploymentsPath = "/v1/projects/acme/fraud/deployments"

// operations sends a seeded random stream of commands until ctx ends.
type operations struct {
	rng   *rand.Rand
	c     *client
	mu    sync.Mutex
	ops   []Op
	live  []string       // deployments created and not terminated
	revs  map[string]int // revisions each was asked for (an upper bound)
	next  int
	count int
}

func (o *operations) run(ctx context.Context) {
	for ctx.Err() == nil {
		o.one(ctx)
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(50+o.rng.IntN(150)) * time.Millisecond):
		}
	}
}

func (o *operations) one(ctx context.Context) {
	o.count++
	key := fmt.Sprintf("faults-op-%d", o.count)
	kind := o.pick()
	var method, path string
	var body any
	switch kind {
	case OpCreate:
		o.next++
		name := fmt.Sprintf("m%d", o.next)
		method, path = http.MethodPost, deploymentsPath
		body = map[string]any{"name": name, "environment": "staging",
			"spec": map[string]any{"image": "ghcr.io/acme/model:1", "replicas": 1 + o.rng.IntN(3)}}
		defer func() { o.live = append(o.live, name); o.revs[name] = 1 }()
	case OpUpdate:
		name := o.any()
		method, path = http.MethodPatch, deploymentsPath+"/"+name
		body = map[string]any{"spec": map[string]any{"image": fmt.Sprintf("ghcr.io/acme/model:%d", 2+o.rng.IntN(50)), "replicas": 1 + o.rng.IntN(3)}}
		o.revs[name]++
	case OpRollback:
		name := o.any()
		method, path = http.MethodPost, deploymentsPath+"/"+name+"/rollback"
		body = map[string]any{"revision": 1 + o.rng.IntN(max(o.revs[name], 1))}
		o.revs[name]++
	case OpAlias:
		name := o.any()
		method, path = http.MethodPut, deploymentsPath+"/"+name+"/aliases/"+[]string{"staging", "production"}[o.rng.IntN(2)]
		body = map[string]any{"revision": 1 + o.rng.IntN(max(o.revs[name], 1))}
	case OpPromote:
		source, target := o.any(), o.any()
		method, path = http.MethodPost, "/v1/promotions"
		body = map[string]any{"source": "acme/fraud/" + source, "target": "acme/fraud/" + target}
		o.revs[target]++
	case OpTerminate:
		name := o.any()
		method, path = http.MethodDelete, deploymentsPath+"/"+name
		for i, n := range o.live {
			if n == name {
				o.live = append(o.live[:i], o.live[i+1:]...)
				break
			}
		}
	}
	op := Op{Kind: kind, Path: path, Start: time.Now()}
	op.Answer = o.c.send(ctx, method, path, body, key, 20*time.Second)
	op.End = time.Now()
	o.mu.Lock()
	o.ops = append(o.ops, op)
	o.mu.Unlock()
}

// pick chooses the next kind: creates until a few deployments live, then
// mostly updates, never more than a dozen live deployments.
func (o *operations) pick() string {
	if len(o.live) < 3 {
		return OpCreate
	}
	n := o.rng.IntN(100)
	switch {
	case n < 10 && len(o.live) < 12:
		return OpCreate
	case n < 50:
		return OpUpdate
	case n < 62:
		return OpRollback
	case n < 80:
		return OpAlias
	case n < 92:
		return OpPromote
	case n < 97:
		return OpTerminate
	}
	return OpUpdate
}

func (o *operations) any() string { return o.live[o.rng.IntN(len(o.live))] }

// done returns the operations sent so far.
func (o *operations) done() []Op {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Op(nil), o.ops...)
}

// injector injects the plan's faults one after another until ctx ends,
// healing each before the next.
type injector struct {
	rng   *rand.Rand
	plan  Plan
	stack system
	recv  *Receiver
	log   func(format string, args ...any)
	out   []Injected
	// workerKills counts the workers killed, to take them in turn.
	workerKills int
}

// run injects every kind once in a seeded order, then keeps going in new
// orders until the deadline; ctx ending stops it at once.
func (in *injector) run(ctx context.Context, until time.Time) {
	for round := 0; ; round++ {
		kinds := slices.Clone(in.plan.kinds())
		in.rng.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
		for _, kind := range kinds {
			if round > 0 && time.Now().After(until) {
				return
			}
			if !sleep(ctx, in.plan.Gap/2+time.Duration(in.rng.Int64N(int64(in.plan.Gap)))) {
				return
			}
			f := in.inject(ctx, kind)
			in.out = append(in.out, f)
			in.log("fault %q on %s at %s lasted %s", f.Kind, f.Target, f.At.Format("15:04:05.000"), f.Lasted.Round(time.Millisecond))
		}
	}
}

// hold is how long a fault of kind lasts: the store's outage as planned,
// the others between half the plan's Hold and all of it.
func (in *injector) hold(kind string) time.Duration {
	switch kind {
	case FaultStoreStopped:
		return in.plan.StoreOutage
	case FaultAPIServerStopped:
		return in.plan.APIServerOutage
	}
	return in.plan.Hold/2 + time.Duration(in.rng.Int64N(int64(in.plan.Hold/2)+1))
}

// inject applies one fault, holds it, and heals it. A fault is held
// through ctx's end: the schedule never leaves one in place.
func (in *injector) inject(ctx context.Context, kind string) Injected {
	f := Injected{Kind: kind, At: time.Now(), Recovery: -1}
	hold := in.hold(kind)
	wait := func() { sleep(context.WithoutCancel(ctx), hold) }
	switch kind {
	case FaultLeaderKilled:
		leader, err := in.stack.natsCluster().WaitStreamLeader(ctx, events.StreamEvents)
		if err != nil {
			f.Target = "no leader"
			return f
		}
		f.Target = leader.Name
		leader.Kill()
		wait()
		in.restart(leader)
	case FaultPartition:
		n := in.stack.natsCluster().Node(in.rng.IntN(len(in.stack.natsCluster().Nodes())))
		f.Target = n.Name
		n.Partition()
		wait()
		n.Heal()
	case FaultWorkerKilled, FaultAPIKilled, FaultMonitorKilled:
		svc := map[string]string{FaultAPIKilled: SvcAPI, FaultMonitorKilled: SvcMonitor}[kind]
		if svc == "" { // the two workers in turn
			svc = []string{SvcWorker1, SvcWorker2}[in.workerKills%2]
			in.workerKills++
		}
		f.Target = svc
		in.stack.Kill(svc)
		wait()
		if err := in.stack.Start(svc); err != nil {
			in.log("restart %s: %v", svc, err)
		}
	case FaultStoreStopped:
		f.Target = "ferretdb"
		in.stack.StopStore()
		wait()
		if err := in.stack.StartStore(); err != nil {
			in.log("%v", err)
		}
	case FaultWebhook500, FaultWebhookHang:
		f.Target = "receiver"
		in.recv.SetMode(map[string]string{FaultWebhook500: Receiver500, FaultWebhookHang: ReceiverHang}[kind])
		wait()
		in.recv.SetMode(ReceiverOK)
	case FaultAPIServerStopped:
		f.Target = in.apiServerOutage(ctx, wait)
	}
	f.Lasted = time.Since(f.At)
	return f
}

func (in *injector) restart(n *natscluster.Node) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := n.Restart(ctx); err != nil {
		in.log("restart node %s: %v", n.Name, err)
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// recoveries sets each fault's recovery: the time from the fault to the
// end of the first command sent after it that was stored.
func recoveries(faults []Injected, ops []Op) {
	for i := range faults {
		for _, op := range ops {
			if op.Start.After(faults[i].At) && op.Answer.stored() {
				faults[i].Recovery = op.End.Sub(faults[i].At)
				break
			}
		}
	}
}
