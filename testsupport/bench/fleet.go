package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	appsv1 "k8s.io/api/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"k8s.io/client-go/kubernetes"

	"slipway.dev/pkg/events"
)

// The images of a fleet before and after its change.
const (
	fleetImage    = "ghcr.io/acme/scorer:1.0"
	fleetNewImage = "ghcr.io/acme/scorer:2.0"
)

// directPrefix names the baseline's copies of Slipway's Deployments.
const directPrefix = "bench-direct-"

// fleetSizes are the fleet benchmark's sizes on the simulated target.
func (e *env) fleetSizes() []int {
	if e.cfg.FleetSizes != nil { // empty: none (-fleet-n none)
		return e.cfg.FleetSizes
	}
	if e.cfg.Quick {
		// Below simcluster's 100 buffered watch events (the fake's
		// watcher panics past them on current main): 40 plus 40 copies.
		return []int{40}
	}
	return []int{1000, 10000}
}

// localFleetSize is the fleet's size on the local plane; a negative one
// leaves the local plane out.
func (e *env) localFleetSize() int {
	if e.cfg.LocalFleetSize != 0 {
		return e.cfg.LocalFleetSize
	}
	return e.pick(20, 1000)
}

// phaseLimit bounds one phase of a fleet of n (creating it, changing it):
// what has not finished by then is reported unfinished.
func (e *env) phaseLimit(n int) time.Duration {
	return time.Duration(e.pick(90, 180))*time.Second + time.Duration(n)*50*time.Millisecond
}

// fleetPhaseLimit is phaseLimit on the simulated target; on the local
// plane, whose controller-manager and KWOK take about a third of a second a
// Deployment on 2 cores (stop 14: 200 changed in 72 s, Slipway and the
// direct baseline alike), it allows 400 ms a deployment.
func (e *env) fleetPhaseLimit(cluster string, n int) time.Duration {
	if cluster == fleetLocal {
		return time.Duration(e.pick(90, 180))*time.Second + time.Duration(n)*400*time.Millisecond
	}
	return e.phaseLimit(n)
}

// runFleet creates a fleet on the simulated target at each size and on
// the local plane, leaves drift and health at work, then changes the image
// of all of it at once, against the same change applied directly.
func runFleet(ctx context.Context, e *env) ([]Row, error) {
	var rows []Row
	var errs []error
	for _, n := range e.fleetSizes() {
		if e.cfg.Isolate != "" {
			rows = append(rows, e.inChild(ctx, fleetLabel(fleetSimulated, n),
				e.childArgs("fleet", "-fleet-n", strconv.Itoa(n), "-fleet-local-n", "-1"))...)
			continue
		}
		got, err := e.fleetAt(ctx, fleetSimulated, n)
		rows = append(rows, got...)
		errs = append(errs, err)
	}
	if n := e.localFleetSize(); n > 0 {
		got, err := e.fleetAt(ctx, fleetLocal, n)
		rows, errs = append(rows, got...), append(errs, err)
	}
	return rows, errors.Join(errs...)
}

func fleetLabel(cluster string, n int) string {
	return fmt.Sprintf("fleet %s N=%s", cluster, thousands(int64(n)))
}

// fleetRefs names n deployments of one project.
func fleetRefs(project string, n int) []events.DeploymentRef {
	refs := make([]events.DeploymentRef, n)
	for i := range refs {
		refs[i] = events.DeploymentRef{Owner: "bench", Project: project, Name: fmt.Sprintf("model-%d", i)}
	}
	return refs
}

func commandsFor(refs []events.DeploymentRef, image string, build func(events.DeploymentRef, string) command) []command {
	out := make([]command, len(refs))
	for i, r := range refs {
		out[i] = build(r, image)
	}
	return out
}

// fleetRun is what one fleet measurement saw.
type fleetRun struct {
	cluster          string
	n                int
	st               *fleetStack
	created, changed *batch
	createTook       float64 // s; NaN unless all succeeded
	slipTook         float64
	baseTook         float64
	baseNote         string
	shownAfter       time.Duration // until the api showed every operation ended
	idle, change     []sample
	all              []sample
	probes           *probes
	// heap is each service process's Go heap once the fleet changed;
	// projector the api's projector figures then.
	heap      footprint
	projector projectorFigures
}

// fleetDir is the data folder of the fleet labelled label: no spaces, and
// no commas (kwok reads its --config as a comma-separated list, so the
// local plane at "N=1,000" looked for a file "…N=1").
func fleetDir(label string) string {
	return strings.NewReplacer(" ", "-", ",", "").Replace(label)
}

func (e *env) fleetAt(ctx context.Context, cluster string, n int) ([]Row, error) {
	label := fleetLabel(cluster, n)
	dir := fleetDir(label)
	var st *fleetStack
	var err error
	if cluster == fleetSimulated {
		st, err = e.simFleetStack(ctx, dir)
	} else {
		var skip string
		st, skip, err = e.localFleetStack(ctx, dir)
		if skip != "" {
			return []Row{{Benchmark: label, Skipped: skip}}, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: stack: %w", label, err)
	}
	defer func() {
		if err := st.close(); err != nil {
			e.cfg.Logf("%s: stop stack: %v", label, err)
		}
	}()
	r := &fleetRun{cluster: cluster, n: n, st: st}
	if err := e.measureFleet(ctx, r); err != nil {
		return nil, fmt.Errorf("%s: %w", label, err)
	}
	return r.rows(), nil
}

func (e *env) measureFleet(ctx context.Context, r *fleetRun) error {
	label, st := fleetLabel(r.cluster, r.n), r.st
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	smp, err := startSampler(sctx, st.natsURL, st.procs, time.Second)
	if err != nil {
		return err
	}
	w, err := watchDeployments(sctx, st.cs, st.ns)
	if err != nil {
		return err
	}
	c := newClient(st.url)
	refs := fleetRefs("fleet", r.n)

	began := time.Now()
	if r.created, err = runBatch(ctx, c, commandsFor(refs, fleetImage, createCommand), began.Add(e.fleetPhaseLimit(r.cluster, r.n))); err != nil {
		return err
	}
	r.createTook = took(r.created, r.n, began)
	e.cfg.Logf("%s: created: %s", label, r.created)

	idle0 := time.Now()
	if err := pause(ctx, e.fleetIdle()); err != nil {
		return err
	}
	r.idle = smp.between(idle0, time.Time{})
	if e.cfg.FleetFootprintOnly {
		return e.readFleetFootprint(ctx, r, smp, "-created")
	}

	if r.baseTook, r.baseNote, err = e.directChange(ctx, st.cs, w, r.n, e.fleetPhaseLimit(r.cluster, r.n)); err != nil {
		return err
	}
	e.cfg.Logf("%s: direct baseline: %s", label, r.baseNote)

	if r.probes, err = startProbes(ctx, c, st.natsURL, refs); err != nil {
		return err
	}
	s0 := time.Now()
	// The profile covers every service when the stack runs in this process
	// (the simulated fleet), only the load generator otherwise.
	err = e.profile(strings.ReplaceAll(label, " ", "-")+"-change", func() (err error) {
		r.changed, err = runBatch(ctx, c, commandsFor(refs, fleetNewImage, imageCommand), s0.Add(e.fleetPhaseLimit(r.cluster, r.n)))
		return err
	})
	r.probes.stop()
	if err != nil {
		return err
	}
	r.slipTook = took(r.changed, r.n, s0)
	r.shownAfter = r.changed.shown.Sub(s0)
	e.cfg.Logf("%s: changed: %s", label, r.changed)
	r.change = smp.between(s0, time.Time{})
	return e.readFleetFootprint(ctx, r, smp, "-changed")
}

// fleetIdle is how long a created fleet is left to drift and health before
// its change: the production drift interval in full (-quick: 10 s), or
// FootprintIdle when only the footprint is measured.
func (e *env) fleetIdle() time.Duration {
	if !e.cfg.FleetFootprintOnly {
		return time.Duration(e.pick(10, 30)) * time.Second
	}
	if e.cfg.FootprintIdle > 0 {
		return e.cfg.FootprintIdle
	}
	return 3 * time.Minute
}

// readFleetFootprint reads the services' heaps (each package's share
// readable with `go tool pprof -top`; the stack's services share this
// process on the simulated target), the projector's figures and the
// samples of the whole run; suffix names the heap profiles.
func (e *env) readFleetFootprint(ctx context.Context, r *fleetRun, smp *sampler, suffix string) error {
	label, st := strings.ReplaceAll(fleetLabel(r.cluster, r.n), " ", "-"), r.st
	if err := e.heapProfile(label + suffix); err != nil {
		return err
	}
	if len(st.debug) > 0 {
		var err error
		if r.heap, err = readFootprint(ctx, st.debug, e.cfg.HeapProfileDir, label+suffix); err != nil {
			return err
		}
	}
	r.projector = readProjectorFigures(ctx, st.url)
	smp.read(ctx)
	r.all = smp.between(time.Time{}, time.Time{})
	st.how += smp.failures()
	return nil
}

// took is the time from began until the last operation of b succeeded, in
// seconds; NaN unless all n succeeded.
func took(b *batch, n int, began time.Time) float64 {
	if b.succeeded != n {
		return math.NaN()
	}
	return b.last.Sub(began).Seconds()
}

// directChange copies each of Slipway's Deployments under a name of its
// own (same spec, own labels, so neither Slipway nor its monitor claims
// it), waits until the copies rolled out, then server-side-applies the new
// image to all of them at once and returns the time until the
// rollout-status rule held for every one (NaN if not within the limit).
func (e *env) directChange(ctx context.Context, cs kubernetes.Interface, w *deployWatcher, n int, limit time.Duration) (float64, string, error) {
	var templates []*appsv1.Deployment
	for name, d := range w.snapshot() {
		if !strings.HasPrefix(name, directPrefix) {
			templates = append(templates, d)
		}
	}
	slices.SortFunc(templates, func(a, b *appsv1.Deployment) int { return strings.Compare(a.Name, b.Name) })
	if len(templates) == 0 {
		return math.NaN(), "no Deployment of Slipway's to copy", nil
	}
	apply := func(image string) (map[string]int64, int, error) {
		var mu sync.Mutex
		want, failed := map[string]int64{}, 0
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(batchClients)
		for i, t := range templates {
			name := fmt.Sprintf("%s%d", directPrefix, i)
			g.Go(func() error {
				gen := w.generation(name) + 1
				err := directApply(gctx, cs, t, name, func(c *corev1ac.ContainerApplyConfiguration) { c.WithImage(image) })
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					failed++
					return ctx.Err()
				}
				want[name] = gen
				return nil
			})
		}
		return want, failed, g.Wait()
	}
	want, failed, err := apply(fleetImage)
	if err != nil {
		return 0, "", err
	}
	wctx, cancel := context.WithTimeout(ctx, limit)
	_, pending := w.waitAll(wctx, want)
	cancel()
	if pending > 0 || failed > 0 {
		return math.NaN(), fmt.Sprintf("%d of %d copies failed to apply, %d not rolled out", failed, len(templates), pending), nil
	}
	began := time.Now()
	if want, failed, err = apply(fleetNewImage); err != nil {
		return 0, "", err
	}
	wctx, cancel = context.WithTimeout(ctx, limit)
	last, pending := w.waitAll(wctx, want)
	cancel()
	note := fmt.Sprintf("%d copies of Slipway's Deployments", len(templates))
	if pending > 0 || failed > 0 {
		return math.NaN(), note + fmt.Sprintf(": %d failed to apply, %d not rolled out within %s", failed, pending, limit), nil
	}
	return last.Sub(began).Seconds(), note, nil
}
