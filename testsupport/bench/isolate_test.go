package bench

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRowsJSONRoundTrip(t *testing.T) {
	rows := []Row{
		{Benchmark: "a", Slipway: 2, Baseline: 1, Unit: "s", Target: atMostRatio(1.5), Note: "n"},
		{Benchmark: "b", Slipway: math.NaN(), Baseline: 3, Unit: "s", Target: atMostRatio(1.5)},
		{Benchmark: "c", Skipped: "no plane"},
	}
	var b bytes.Buffer
	if err := WriteRowsJSON(&b, rows); err != nil {
		t.Fatal(err)
	}
	got, err := readRowsJSON(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	var want, have strings.Builder
	if err := WriteTable(&want, rows); err != nil {
		t.Fatal(err)
	}
	if err := WriteTable(&have, got); err != nil {
		t.Fatal(err)
	}
	if have.String() != want.String() {
		t.Errorf("table after the round trip:\n%s\nwant:\n%s", have.String(), want.String())
	}
}

// TestInChildReportsACrash: a child that ends without rows becomes one
// failed row quoting its last lines; one that writes rows gives them.
func TestInChildReportsACrash(t *testing.T) {
	dir := t.TempDir()
	script := func(body string) string {
		p := filepath.Join(dir, "child")
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// The panic comes first and a goroutine dump longer than any tail after it.
	e := &env{dir: dir, cfg: Config{Isolate: script(`printf 'progress\npan' >&2; printf 'ic: channel full\n\ngoroutine 1 [running]:\n' >&2
for i in $(seq 1 2000); do echo "frame $i" >&2; done; exit 2`)}}
	rows := e.inChild(t.Context(), "fleet simulated N=1,000", e.childArgs("fleet"))
	if len(rows) != 1 || rows[0].Benchmark != "fleet simulated N=1,000" || !strings.Contains(rows[0].Skipped, "it crashed: panic: channel full") {
		t.Errorf("rows %+v: want one failed row quoting the panic", rows)
	}
	e.cfg.Isolate = script(`echo "killed by the kernel" >&2; exit 137`)
	rows = e.inChild(t.Context(), "y", e.childArgs("fleet"))
	if len(rows) != 1 || !strings.Contains(rows[0].Skipped, "its last lines: killed by the kernel") {
		t.Errorf("rows %+v: want one failed row quoting the last lines", rows)
	}
	e.cfg.Isolate = script(`echo '[{"benchmark":"x","slipway":1,"unit":"s","target":"all","met":true}]'`)
	rows = e.inChild(t.Context(), "x", e.childArgs("fleet"))
	if len(rows) != 1 || rows[0].Slipway != 1 || rows[0].Target.Met == nil || !rows[0].Target.Met(rows[0]) {
		t.Errorf("rows %+v: want the child's row, met", rows)
	}
}
