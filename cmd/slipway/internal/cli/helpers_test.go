package cli

import (
	"flag"
	"io"
	"reflect"
	"testing"
	"time"

	"slipway.dev/pkg/client"
)

func TestParseInterspersed(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o := fs.String("o", "", "")
	w := fs.Bool("watch", false, "")
	pos, err := parseInterspersed(fs, []string{"a/b/c", "-o", "json", "x", "--watch", "--", "-y"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(pos, []string{"a/b/c", "x", "-y"}) || *o != "json" || !*w {
		t.Fatalf("pos %q, o %q, watch %v", pos, *o, *w)
	}
}

func TestParseRef(t *testing.T) {
	tests := []struct {
		in, project string
		want        client.Ref
		ok          bool
	}{
		{"acme/fraud/scorer", "", client.Ref{Owner: "acme", Project: "fraud", Name: "scorer"}, true},
		{"acme/fraud/scorer", "other/proj", client.Ref{Owner: "acme", Project: "fraud", Name: "scorer"}, true},
		{"scorer", "acme/fraud", client.Ref{Owner: "acme", Project: "fraud", Name: "scorer"}, true},
		{"scorer", "", client.Ref{}, false},
		{"scorer", "acme", client.Ref{}, false},
		{"fraud/scorer", "acme/fraud", client.Ref{}, false},
		{"acme//scorer", "", client.Ref{}, false},
		{"a/b/c/d", "", client.Ref{}, false},
		{"", "acme/fraud", client.Ref{}, false},
	}
	for _, tt := range tests {
		got, err := parseRef(tt.in, tt.project)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseRef(%q, %q) = %v, %v", tt.in, tt.project, got, err)
		}
	}
}

func TestBar(t *testing.T) {
	for _, tt := range []struct {
		n, total int32
		want     string
	}{
		{0, 4, "[--------------------]"},
		{1, 4, "[#####---------------]"},
		{4, 4, "[####################]"},
		{5, 4, "[####################]"}, // a surge counts as full
		{0, 0, "[--------------------]"},
	} {
		if got := bar(tt.n, tt.total); got != tt.want {
			t.Errorf("bar(%d, %d) = %s, want %s", tt.n, tt.total, got, tt.want)
		}
	}
}

func TestAge(t *testing.T) {
	now := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		ago  time.Duration
		want string
	}{{45 * time.Second, "45s"}, {10 * time.Minute, "10m"}, {5 * time.Hour, "5h"}, {72 * time.Hour, "3d"}, {-time.Minute, "0s"}} {
		if got := age(now, now.Add(-tt.ago)); got != tt.want {
			t.Errorf("age(%s) = %s, want %s", tt.ago, got, tt.want)
		}
	}
	if age(now, time.Time{}) != "-" {
		t.Error("a zero time has no age")
	}
}

// YAML keeps the JSON's key order and types: strings that look like
// numbers or booleans stay strings.
func TestJSONToYAML(t *testing.T) {
	got, err := jsonToYAML([]byte(`{"z":"0","a":true,"n":null,"f":1.5,"i":3,"s":"true","l":[],"o":{},"t":"a: b"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := "z: \"0\"\na: true\nn: null\nf: 1.5\ni: 3\ns: \"true\"\nl: []\no: {}\nt: 'a: b'\n"
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestParseSeconds(t *testing.T) {
	for in, want := range map[string]int{"600": 600, "10m": 600, "90s": 90, "0": 0} {
		if got, err := parseSeconds("--bake", in); err != nil || got != want {
			t.Errorf("parseSeconds(%q) = %d, %v", in, got, err)
		}
	}
	for _, bad := range []string{"1.5s", "-5", "soon"} {
		if _, err := parseSeconds("--bake", bad); err == nil {
			t.Errorf("parseSeconds(%q) accepted", bad)
		}
	}
}
