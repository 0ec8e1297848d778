package bench

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// soakEnds is how many samples at each end of the soak are averaged into
// its start and end figures.
const soakEnds = 3

func (e *env) soakSize() int {
	if e.cfg.SoakSize > 0 {
		return e.cfg.SoakSize
	}
	return e.pick(20, 1000)
}

func (e *env) soakDuration() time.Duration {
	if e.cfg.SoakDuration > 0 {
		return e.cfg.SoakDuration
	}
	return time.Duration(e.pick(2, 30)) * time.Minute
}

// runSoak leaves a fleet running on the simulated target with drift and
// health at their production intervals and a trickle of image changes,
// sampling RSS and the consumer count, and reports start against end,
// the error lines, and whether every rollout started in that time
// finished.
func runSoak(ctx context.Context, e *env) ([]Row, error) {
	n, d := e.soakSize(), e.soakDuration()
	label := fmt.Sprintf("soak N=%s for %s", thousands(int64(n)), d)
	if e.cfg.Isolate != "" {
		return e.inChild(ctx, label, e.childArgs("soak", "-soak", d.String(), "-soak-n", strconv.Itoa(n))), nil
	}
	st, err := e.simFleetStack(ctx, "soak")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := st.close(); err != nil {
			e.cfg.Logf("soak: stop stack: %v", err)
		}
	}()
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	every := time.Duration(e.pick(5, 10)) * time.Second
	smp, err := startSampler(sctx, st.natsURL, st.procs, every)
	if err != nil {
		return nil, err
	}
	c := newClient(st.url)
	refs := fleetRefs("soak", n)
	created, err := runBatch(ctx, c, commandsFor(refs, fleetImage, createCommand), time.Now().Add(e.phaseLimit(n)))
	if err != nil {
		return nil, err
	}
	e.cfg.Logf("%s: created: %s", label, created)

	// A trickle of updates: one image change every gap, round robin, each
	// sent as it comes due; their operations are waited on at the end.
	gap := time.Duration(e.pick(3, 2)) * time.Second
	trickle := &batch{}
	var sends sync.WaitGroup
	s0 := time.Now()
	smp.read(ctx)
	if err := e.heapProfile("soak-start"); err != nil {
		return nil, err
	}
	for k := 0; time.Since(s0) < d; k++ {
		cmd := imageCommand(refs[k%n], fmt.Sprintf("ghcr.io/acme/scorer:soak-%d", k))
		sends.Go(func() {
			sctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			_ = trickle.send(ctx, sctx, c, cmd)
		})
		if err := pause(ctx, gap); err != nil {
			sends.Wait()
			return nil, err
		}
	}
	sends.Wait()
	smp.read(ctx)
	if err := e.heapProfile("soak-end"); err != nil {
		return nil, err
	}
	samples := smp.between(s0, time.Time{})
	if err := trickle.wait(ctx, c, time.Now().Add(e.phaseLimit(trickle.sent))); err != nil {
		return nil, err
	}
	return soakRows(label, st, samples, created, trickle, smp.failures()), nil
}

func soakRows(label string, st *fleetStack, s []sample, created, trickle *batch, failures string) []Row {
	proc := st.procs[0].name
	start, end := s[:min(soakEnds, len(s))], s[max(0, len(s)-soakEnds):]
	avg := func(s []sample, f func(sample) float64) float64 {
		var sum float64
		for _, sm := range s {
			sum += f(sm)
		}
		return sum / float64(len(s))
	}
	rss := func(sm sample) float64 { return sm.usage[proc].RSSMB }
	cons := func(sm sample) float64 { return float64(sm.consumers) }
	flat := atMostRatio(1.2)
	flat.Text = "flat: " + flat.Text
	consumersEnd := avg(end, cons)
	return []Row{
		{Benchmark: label + ": RSS of " + proc + ", end vs start", Slipway: avg(end, rss), Baseline: avg(start, rss), Unit: "MB",
			Target: flat, Note: fmt.Sprintf("the mean of the first and the last %d samples; every sample: %s; services: %s%s",
				soakEnds, series(s, rss, "%.0f"), st.how, failures)},
		{Benchmark: label + ": JetStream consumers, end vs start", Slipway: consumersEnd, Baseline: avg(start, cons),
			Target: Target{Text: "flat and <= 50", Met: func(r Row) bool { return r.Slipway <= 1.2*r.Baseline && r.Slipway <= 50 }},
			Note:   "EVENTS + COMMANDS; every sample: " + series(s, cons, "%.0f")},
		{Benchmark: label + ": WARN/ERROR log lines", Slipway: float64(st.logs.errorLines()), Target: zeroLines,
			Note: st.logs.summary() + st.exits()},
		{Benchmark: label + ": rollouts started in the soak that succeeded", Slipway: float64(trickle.succeeded),
			Baseline: float64(trickle.sent + trickle.refused), Target: all,
			Note: fmt.Sprintf("one image change every few seconds, round robin: %s; creating the fleet: %s", trickle, created)},
		{Benchmark: label + ": CPU of " + proc, Slipway: 100 * cpuShare(s, proc), Unit: "% of a core",
			Note: "the mean over the soak"},
	}
}

// series lists at most 12 values of samples evenly spread, for a note.
func series(s []sample, f func(sample) float64, format string) string {
	step := max(1, len(s)/12)
	var parts []string
	for i := 0; i < len(s); i += step {
		parts = append(parts, fmt.Sprintf(format, f(s[i])))
	}
	return strings.Join(parts, ", ")
}
