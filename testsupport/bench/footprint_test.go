package bench

import "testing"

func TestMemStatReadsTheHeapProfilesMemStats(t *testing.T) {
	profile := "heap profile: 1: 2 [3: 4] @ heap/1048576\n# runtime.MemStats\n# Alloc = 100\n# HeapInuse = 7340032\n# HeapIdle = 5\n"
	for _, tc := range []struct {
		name, text string
		want       float64
		err        bool
	}{
		{"HeapInuse", profile, 7340032, false},
		{"HeapIdle", profile, 5, false},
		{"HeapSys", profile, 0, true},
		{"HeapInuse", "# HeapInuse = lots\n", 0, true},
	} {
		got, err := memStat(tc.text, tc.name)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("memStat(%q) = %v, %v; want %v (error: %v)", tc.name, got, err, tc.want, tc.err)
		}
	}
}

func TestPromValuesReadsUnlabelledSamples(t *testing.T) {
	text := `# HELP slipway_projector_apply_blocked_seconds_total Time.
# TYPE slipway_projector_apply_blocked_seconds_total counter
slipway_projector_apply_blocked_seconds_total 1.5
slipway_projector_flush_duration_seconds_bucket{le="0.005"} 3
slipway_projector_flush_duration_seconds_sum 2.25
slipway_projector_flush_duration_seconds_count 9
slipway_other 4
`
	got := promValues(text, "slipway_projector_apply_blocked_seconds_total", "slipway_projector_flush_duration_seconds_sum",
		"slipway_projector_flush_duration_seconds_count", "slipway_absent")
	want := map[string]float64{"slipway_projector_apply_blocked_seconds_total": 1.5,
		"slipway_projector_flush_duration_seconds_sum": 2.25, "slipway_projector_flush_duration_seconds_count": 9}
	if len(got) != len(want) {
		t.Fatalf("promValues = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}

// TestPromValuesReadsOneBucket: a histogram bucket is asked for by its whole
// series, label included, so le="1" is not confused with le="10".
func TestPromValuesReadsOneBucket(t *testing.T) {
	text := `slipway_projector_event_age_seconds_bucket{le="0.5"} 5
slipway_projector_event_age_seconds_bucket{le="1"} 7
slipway_projector_event_age_seconds_bucket{le="10"} 9
slipway_projector_event_age_seconds_count 9
`
	got := promValues(text, ageWithin1s, ageCount)
	if got[ageWithin1s] != 7 || got[ageCount] != 9 || len(got) != 2 {
		t.Errorf("promValues = %v, want 7 within 1 s of 9", got)
	}
}
