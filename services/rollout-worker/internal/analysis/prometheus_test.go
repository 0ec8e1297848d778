package analysis

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Prometheus.Query on each kind of answer the HTTP API can give, from a
// canned server; the tests on a real Prometheus are in real_test.go.
func TestPrometheusQueryAnswers(t *testing.T) {
	const ts = `1765000000`
	vec := func(samples ...string) string {
		return `{"status":"success","data":{"resultType":"vector","result":[` + strings.Join(samples, ",") + `]}}`
	}
	sample := func(rev, v string) string {
		return `{"metric":{"revision":"` + rev + `"},"value":[` + ts + `,"` + v + `"]}`
	}
	for _, tc := range []struct {
		name    string
		status  int
		body    string
		want    float64
		wantErr error
		text    string // in the error
	}{
		{"one sample", 200, vec(sample("2", "0.25")), 0.25, nil, ""},
		{"scalar", 200, `{"status":"success","data":{"resultType":"scalar","result":[` + ts + `,"3"]}}`, 3, nil, ""},
		{"no series", 200, vec(), 0, ErrNoData, "no series"},
		{"two series", 200, vec(sample("1", "1"), sample("2", "2")), 0, ErrManySeries, `revision="1"`},
		{"NaN", 200, vec(sample("2", "NaN")), 0, ErrNotANumber, "NaN"},
		{"+Inf", 200, vec(sample("2", "+Inf")), 0, ErrNotANumber, "Inf"},
		{"scalar NaN", 200, `{"status":"success","data":{"resultType":"scalar","result":[` + ts + `,"NaN"]}}`, 0, ErrNotANumber, "NaN"},
		{"matrix", 200, `{"status":"success","data":{"resultType":"matrix","result":[]}}`, 0, ErrNotInstant, "matrix"},
		{"string", 200, `{"status":"success","data":{"resultType":"string","result":[` + ts + `,"x"]}}`, 0, nil, "string"}, // the client refuses it
		{"bad query", 400, `{"status":"error","errorType":"bad_data","error":"parse error: unexpected end of input"}`, 0, nil, "parse error"},
		{"server failing", 503, `overloaded`, 0, ErrUnreachable, "503"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/api/v1/query" {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			p, err := NewPrometheus(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Query(t.Context(), "q", time.Now())
			if tc.text == "" {
				if err != nil || got != tc.want {
					t.Fatalf("Query = %v, %v; want %v", got, err, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Query = %v, want an error with %q", got, tc.text)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error %v is not %v", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.text) || !strings.Contains(err.Error(), srv.URL) {
				t.Errorf("error %q lacks %q or the address", err, tc.text)
			}
		})
	}
}

func TestPrometheusUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close() // nothing listens there now
	p, err := NewPrometheus(addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Query(t.Context(), "up", time.Now()); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("Query to a closed port: %v, want ErrUnreachable", err)
	}
}

func TestNewPrometheusAddress(t *testing.T) {
	for _, a := range []string{"", "localhost:9090", "ftp://x", "http://"} {
		if _, err := NewPrometheus(a); err == nil {
			t.Errorf("NewPrometheus(%q): no error", a)
		}
	}
}
