package bus_test

import (
	"flag"
	"testing"

	"slipway.dev/pkg/bus"
)

func TestParseReplicas(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    int
		wantErr bool
	}{
		{in: "", want: 1},
		{in: "1", want: 1},
		{in: "3", want: 3},
		{in: "5", want: 5},
		{in: "0", wantErr: true},
		{in: "6", wantErr: true},
		{in: "-1", wantErr: true},
		{in: "three", wantErr: true},
	} {
		got, err := bus.ParseReplicas(tc.in)
		if (err != nil) != tc.wantErr || (!tc.wantErr && got != tc.want) {
			t.Errorf("ParseReplicas(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestReplicasFlagFallsBackToTheEnvironment(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == bus.EnvStreamReplicas {
				return v
			}
			return ""
		}
	}
	for _, tc := range []struct {
		env     string
		args    []string
		want    int
		wantErr bool
	}{
		{want: 1},
		{env: "3", want: 3},
		{env: "3", args: []string{"-stream-replicas", "5"}, want: 5},
		{env: "9", wantErr: true},
		{args: []string{"-stream-replicas", "0"}, wantErr: true},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		var got int
		err := bus.ReplicasFlag(fs, &got, env(tc.env))
		if err == nil {
			err = fs.Parse(tc.args)
		}
		if (err != nil) != tc.wantErr || (!tc.wantErr && got != tc.want) {
			t.Errorf("env %q args %q: got %d, %v; want %d, error %v", tc.env, tc.args, got, err, tc.want, tc.wantErr)
		}
	}
}
