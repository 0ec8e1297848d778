package memlimit

import (
	"testing"
	"testing/fstest"
)

func TestDecide(t *testing.T) {
	const gib = int64(1) << 30
	file := func(name, text string) fstest.MapFS { return fstest.MapFS{name: {Data: []byte(text)}} }
	for _, tc := range []struct {
		name      string
		env       string
		cgroup    fstest.MapFS
		limit     int64
		container int64
		wantErr   bool
	}{
		{name: "cgroup v2 limit", cgroup: file("memory.max", "1073741824\n"), limit: gib / 100 * Percent, container: gib},
		{name: "cgroup v2 without a limit", cgroup: file("memory.max", "max\n")},
		{name: "cgroup v1 limit", cgroup: file("memory/memory.limit_in_bytes", "536870912\n"), limit: gib / 2 / 100 * Percent, container: gib / 2},
		{name: "cgroup v1 without a limit", cgroup: file("memory/memory.limit_in_bytes", "9223372036854771712\n")},
		{name: "v2 wins over v1", cgroup: fstest.MapFS{"memory.max": {Data: []byte("1073741824")},
			"memory/memory.limit_in_bytes": {Data: []byte("536870912")}}, limit: gib / 100 * Percent, container: gib},
		{name: "no cgroup files", cgroup: fstest.MapFS{}},
		{name: "GOMEMLIMIT set wins", env: "300MiB", cgroup: file("memory.max", "1073741824")},
		{name: "garbage", cgroup: file("memory.max", "lots"), wantErr: true},
		{name: "zero", cgroup: file("memory.max", "0"), wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == EnvGoMemLimit {
					return tc.env
				}
				return ""
			}
			d, err := Decide(getenv, tc.cgroup)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if d.Limit != tc.limit || d.Container != tc.container {
				t.Errorf("limit %d of %d, want %d of %d (%s)", d.Limit, d.Container, tc.limit, tc.container, d.Reason)
			}
			if !tc.wantErr && d.Reason == "" {
				t.Error("no reason given")
			}
		})
	}
}
