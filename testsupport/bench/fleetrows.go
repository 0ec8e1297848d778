package bench

import (
	"fmt"
	"time"
)

// perThousandFrom is the smallest fleet whose footprint is reported per
// 1,000 deployments and held to the 1 GiB-at-10,000 target.
const perThousandFrom = 1000

// zeroLines is the target of error lines: none.
var zeroLines = Target{Text: "0", Met: func(r Row) bool { return r.Slipway == 0 }}

// all is met when Slipway's count reaches the baseline's (all of them).
var all = Target{Text: "all", Met: func(r Row) bool { return r.Slipway == r.Baseline }}

// rows are the fleet measurement's table rows.
func (r *fleetRun) rows() []Row {
	label, per, unit := fleetLabel(r.cluster, r.n), 1000/float64(r.n), " per 1,000 deployments"
	if r.n < perThousandFrom {
		// A small fleet's figures are mostly the processes' fixed cost:
		// scaled to 1,000 they would mislead, so they stay as measured.
		per, unit = 1, ""
	}
	var change Target
	if r.cluster == fleetLocal {
		change = atMostRatio(1.5) // the simulated cluster's rollouts are paced by its tick
	}
	total, ev, cmd := maxConsumers(r.all)
	rows := []Row{
		{Benchmark: label + ": image change to all, until all succeeded", Slipway: r.slipTook, Baseline: r.baseTook, Unit: "s",
			Target: change, Note: fmt.Sprintf("Slipway: one PATCH per deployment (%d clients), until the last operation finished "+
				"(its finishedAt; the api showed them all ended after %.1f s): %s; baseline: %s, server-side-applied at once and "+
				"watched until the rollout-status rule held; services: %s",
				batchClients, r.shownAfter.Seconds(), r.changed, r.baseNote, r.st.how)},
		{Benchmark: label + ": rollouts of the change that succeeded", Slipway: float64(r.changed.succeeded), Baseline: float64(r.n), Target: all},
		{Benchmark: label + ": create all, until all succeeded", Slipway: r.createTook, Unit: "s", Note: r.created.String()},
		{Benchmark: label + ": max JetStream consumers", Slipway: float64(total), Target: atMost(50, ""),
			Note: fmt.Sprintf("EVENTS %d + COMMANDS %d at the maximum (stream info every 1 s over the whole run)", ev, cmd)},
		{Benchmark: label + ": WARN/ERROR log lines", Slipway: float64(r.st.logs.errorLines()), Target: zeroLines,
			Note: r.st.logs.summary() + r.st.exits()},
	}
	var sum float64
	for _, p := range r.st.procs {
		rss := maxRSS(r.all, p.name)
		if p.name != benchProcess && p.name != "promoter" {
			sum += rss
		}
		rows = append(rows,
			Row{Benchmark: fmt.Sprintf("%s: RSS of %s%s", label, p.name, unit), Slipway: rss * per, Unit: "MB",
				Note: fmt.Sprintf("the largest of the run: %s", format(rss, "MB"))},
			Row{Benchmark: fmt.Sprintf("%s: CPU of %s%s, idle", label, p.name, unit),
				Slipway: 100 * cpuShare(r.idle, p.name) * per, Unit: "% of a core",
				Note: fmt.Sprintf("drift and health at work, nothing changing, over %s", span(r.idle))},
			Row{Benchmark: fmt.Sprintf("%s: CPU of %s%s, during the change", label, p.name, unit),
				Slipway: 100 * cpuShare(r.change, p.name) * per, Unit: "% of a core"})
	}
	if len(r.st.procs) > 1 {
		row := Row{Benchmark: label + ": RSS of api + worker + monitor" + unit, Slipway: sum * per, Unit: "MB",
			Note: fmt.Sprintf("the sum of each one's largest: %s; target: 10,000 deployments in 1 GiB, judged from N = %d", format(sum, "MB"), perThousandFrom)}
		if r.n >= perThousandFrom {
			row.Target = atMost(1024.0/10, "MB")
		}
		rows = append(rows, row)
	}
	pr := r.probes
	rows = append(rows,
		Row{Benchmark: label + ": GET one deployment during the change: p99", Slipway: pr.get.quantile(0.99), Unit: "ms",
			Note: fmt.Sprintf("%d GETs of %d deployments, each every %s; %d failed answers to the probes", len(pr.get),
				min(r.n, probeDeployments), probeGap, pr.failures)},
		Row{Benchmark: label + ": list page during the change: p99", Slipway: pr.list.quantile(0.99), Unit: "ms",
			Target: atMost(100, "ms"), Note: fmt.Sprintf("%d reads of GET %s, one at a time %s apart", len(pr.list), listPage, listGap)},
		Row{Benchmark: label + ": event -> visible in GET during the change: p99", Slipway: pr.lag.quantile(0.99), Unit: "ms",
			Target: atMost(1000, "ms"), Note: fmt.Sprintf("%d new ETags: from the event's time in EVENTS to the GET that first showed "+
				"its sequence (resolution %s)", len(pr.lag), probeGap)})
	return rows
}

// span is the time the samples cover.
func span(s []sample) string {
	if len(s) < 2 {
		return "no time"
	}
	return s[len(s)-1].at.Sub(s[0].at).Round(time.Second).String()
}
