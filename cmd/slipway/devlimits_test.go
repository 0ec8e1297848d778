package main

import (
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"slipway.dev/cmd/slipway/devstack"
	api "slipway.dev/services/api"
)

// TestDevAuthLimitsEachCaller: --auth, the mode allowed off loopback, runs
// with the documented per-caller limits (changes 10/s, burst 50; reads
// 50/s, burst 200), and the flags' limits reach the api: with bursts of 2
// changes and 3 reads, refilled too slowly to matter, the requests past
// them are answered 429 problem+json with Retry-After.
func TestDevAuthLimitsEachCaller(t *testing.T) {
	noEnv := func(string) string { return "" }
	var defaults devConfig
	if err := devFlags(&defaults, io.Discard, noEnv).Parse(nil); err != nil {
		t.Fatal(err)
	}
	a := devAuthConfig("t", defaults.Limits)
	if a.RatePerSecond != 10 || a.RateBurst != 50 || a.ReadRatePerSecond != 50 || a.ReadRateBurst != 200 {
		t.Errorf("slipway dev --auth limits: changes %v/s burst %d, reads %v/s burst %d", a.RatePerSecond, a.RateBurst,
			a.ReadRatePerSecond, a.ReadRateBurst)
	}

	var cfg devConfig
	if err := devFlags(&cfg, io.Discard, noEnv).Parse([]string{"--auth", "--rate-limit", "0.001", "--rate-burst", "2",
		"--read-rate-limit", "0.001", "--read-rate-burst", "3"}); err != nil {
		t.Fatal(err)
	}
	token := api.GenerateToken()
	s, err := devstack.Start(t.Context(), devstack.Options{DataDir: t.TempDir(), Addr: "127.0.0.1:0",
		ClusterMode: devstack.ClusterSimulated, Auth: devAuthConfig(token, cfg.Limits), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	send := func(method, path, body string) int {
		req, err := http.NewRequestWithContext(t.Context(), method, s.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode == http.StatusTooManyRequests && (resp.Header.Get("Retry-After") == "" ||
			resp.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(b), "rate-limited")) {
			t.Errorf("%s %s: 429 without Retry-After or problem+json: %v %s", method, path, resp.Header, b)
		}
		return resp.StatusCode
	}
	var changes, reads []int
	for range 4 { // an invalid body: refused 400, nothing written, but a request all the same
		changes = append(changes, send(http.MethodPost, "/v1/projects/acme/fraud/deployments", "{}"))
	}
	for range 5 {
		reads = append(reads, send(http.MethodGet, "/v1/deployments", ""))
	}
	if want := []int{400, 400, 429, 429}; !slices.Equal(changes, want) {
		t.Errorf("changes: %v, want %v", changes, want)
	}
	if want := []int{200, 200, 200, 429, 429}; !slices.Equal(reads, want) {
		t.Errorf("reads: %v, want %v", reads, want)
	}
}
