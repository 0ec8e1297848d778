package faults

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMarkDownFromTheFaultLog: an attempt is made while the api was down
// when it overlaps an api kill or the store's outage, up to restartMargin
// after they ended; a NATS fault is named but is not the api down.
func TestMarkDownFromTheFaultLog(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 11, 0, 0, 0, time.UTC)
	sec := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	faults := []Injected{
		{Kind: FaultAPIKilled, At: sec(10), Lasted: 6 * time.Second},
		{Kind: FaultPartition, At: sec(40), Lasted: 4 * time.Second},
		{Kind: FaultStoreStopped, At: sec(60), Lasted: 8 * time.Second},
	}
	for _, tc := range []struct {
		name       string
		start, end float64
		down       bool
		during     []string
	}{
		{"before any fault", 1, 2, false, nil},
		{"cut by the kill", 9.5, 10.5, true, []string{FaultAPIKilled}},
		{"while the api is down", 12, 12.1, true, []string{FaultAPIKilled}},
		{"within the margin after the restart", 20, 20.1, true, []string{FaultAPIKilled}},
		{"past the margin", 16 + restartMargin.Seconds() + 0.5, 30, false, nil},
		{"during a partition", 41, 42, false, []string{FaultPartition}},
		{"while the store is stopped", 61, 61.2, true, []string{FaultStoreStopped}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := markDown([]Attempt{{Start: sec(tc.start), End: sec(tc.end), Status: 503}}, faults)[0]
			if got.Down != tc.down || !slices.Equal(got.During, tc.during) {
				t.Fatalf("attempt %.1f-%.1f s: down %v during %v, want down %v during %v", tc.start, tc.end, got.Down, got.During, tc.down, tc.during)
			}
		})
	}
}

// TestTheFiguresCountHowCommandsEnded: answered is 2xx, refused 4xx, and
// the unanswered ones committed or not.
func TestTheFiguresCountHowCommandsEnded(t *testing.T) {
	ops := []Op{
		{Kind: OpCreate, Answer: answer{Status: 202, OperationID: "op-1"}},
		{Kind: OpUpdate, Answer: answer{Status: 200, OperationID: "op-2"}},
		{Kind: OpAlias, Answer: answer{Status: 422}},
		{Kind: OpUpdate, Answer: answer{Status: 503}},
		{Kind: OpPromote, Answer: answer{Status: 0}},
		{Kind: OpPromote, Answer: answer{Status: 500}},
		{Kind: OpUpdate, Answer: answer{Status: 0, Cut: true}},
	}
	unanswered := []Unanswered{{Kind: OpUpdate, Committed: true}, {Kind: OpPromote}, {Kind: OpPromote}}
	want := "Commands: 7 sent, 2 answered (2xx), 1 refused (4xx), 1 unanswered committed, 2 unanswered not committed, 1 cut short by the schedule's end."
	if got := (Report{Ops: ops, Unanswered: unanswered}).Markdown(); !strings.Contains(got, want) {
		t.Fatalf("figures lack %q:\n%s", want, got)
	}
}
