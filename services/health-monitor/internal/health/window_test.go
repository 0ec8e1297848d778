package health

import (
	"strings"
	"testing"

	"slipway.dev/pkg/events"
)

var (
	healthy     = Key{State: events.HealthHealthy, Reason: events.ReasonAllReplicasReady, Revision: 1}
	progressing = Key{State: events.HealthProgressing, Reason: events.ReasonRolloutInProgress, Revision: 2}
	degraded    = Key{State: events.HealthDegraded, Reason: events.ReasonReplicasUnready, Revision: 1}
	crashing    = Key{State: events.HealthDegraded, Reason: events.ReasonCrashLoopBackOff, Revision: 2}
	healthy2    = Key{State: events.HealthHealthy, Reason: events.ReasonAllReplicasReady, Revision: 2}
)

// letters name the keys in the sequences below.
var keys = map[byte]Key{'H': healthy, 'P': progressing, 'D': degraded, 'C': crashing, 'h': healthy2}

func name(k Key) string {
	for c, v := range keys {
		if v == k {
			return string(c)
		}
	}
	return "-" // the zero Key: nothing published yet
}

func TestWindow(t *testing.T) {
	tests := []struct {
		name    string
		n, m    int
		seed    Key
		samples string
		// want holds, per sample, "." or the transition published after it
		// ("-P": from nothing published to P), space-separated.
		want string
	}{
		{"settles after N samples", 3, 5, Key{}, "PPPPP", ". . -P . ."},
		{"a blip is never reported", 3, 5, healthy, "HDHHDHH", ". . . . . . ."},
		{"flapping that holds N of M is", 3, 5, healthy, "DHDHD", ". . . . HD"},
		{"one sample back is not a transition", 3, 5, healthy, "DDDH", ". . HD ."},
		{"a rollout: progressing, then healthy at the new revision", 3, 5, healthy, "PPPhhh", ". . HP . . Ph"},
		{"new pods crash while rolling", 3, 5, healthy, "PPPCCC", ". . HP . . PC"},
		{"a reason change within a state is a transition", 2, 3, degraded, "CC", ". DC"},
		{"a revision change is a transition", 1, 1, healthy, "hH", "Hh hH"},
		{"seeded with what is running: nothing to report", 3, 5, healthy, "HHHHH", ". . . . ."},
		{"1 of 1 publishes every change", 1, 1, Key{}, "PPH", "-P . PH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := NewWindow(tt.n, tt.m)
			if err != nil {
				t.Fatal(err)
			}
			w.Published(tt.seed)
			var got []string
			for i := range len(tt.samples) {
				w.Observe(keys[tt.samples[i]])
				from, to, ok := w.Due()
				if !ok {
					got = append(got, ".")
					continue
				}
				got = append(got, name(from)+name(to))
				w.Published(to)
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Fatalf("after %s: published %q, want %q", tt.samples, g, tt.want)
			}
		})
	}
}

func TestWindowStaysDueUntilPublished(t *testing.T) {
	w, _ := NewWindow(2, 3)
	w.Observe(healthy)
	w.Observe(healthy)
	for range 2 { // a failed publish: the transition is due again next time
		if _, to, ok := w.Due(); !ok || to != healthy {
			t.Fatalf("not due: %v %v", to, ok)
		}
		w.Observe(healthy)
	}
	w.Published(healthy)
	if _, _, ok := w.Due(); ok {
		t.Fatal("still due after publishing")
	}
	if w.Last() != healthy {
		t.Fatalf("last published %v", w.Last())
	}
}

func TestNewWindowRejectsImpossibleSizes(t *testing.T) {
	for _, nm := range [][2]int{{0, 5}, {4, 3}, {-1, 1}} {
		if _, err := NewWindow(nm[0], nm[1]); err == nil {
			t.Errorf("NewWindow(%d, %d) accepted", nm[0], nm[1])
		}
	}
}

func TestWindowSettled(t *testing.T) {
	a, b := Key{State: "Healthy"}, Key{State: "Degraded"}
	for _, tt := range []struct {
		name      string
		samples   []Key
		published Key
		want      bool
	}{
		{"no sample", nil, Key{}, false},
		{"latest is published", []Key{b, a}, a, true},
		{"pending its votes", []Key{a, a, b}, a, false},
		{"due, not yet published", []Key{b, b}, a, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w, _ := NewWindow(2, 3)
			for _, k := range tt.samples {
				w.Observe(k)
			}
			w.Published(tt.published)
			if got := w.Settled(); got != tt.want {
				t.Fatalf("Settled() = %v, want %v", got, tt.want)
			}
		})
	}
}
