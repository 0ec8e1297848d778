package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"slipway.dev/cmd/slipway/internal/cli"
)

// TestDevAuthCredentialsReachTheCLI: slipway dev --auth keeps one admin
// token (0600, the same across restarts) and the CLI run from the same
// folder sends it to that server, and only to that server.
func TestDevAuthCredentialsReachTheCLI(t *testing.T) {
	dir := t.TempDir()
	token, err := devAdminToken(dir)
	if err != nil || !strings.HasPrefix(token, "slw_") {
		t.Fatalf("token %q, %v", token, err)
	}
	again, err := devAdminToken(dir)
	if err != nil || again != token {
		t.Fatalf("a restart made a new token: %q, %v", again, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "admin-token")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("admin-token: %v %v", fi.Mode(), err)
	}

	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"actor":"token:dev-admin(tok_x)","principal":{"subject":"token:tok_x","name":"dev-admin","method":"token","globalAdmin":true}}`))
	}))
	t.Cleanup(srv.Close)
	if err := writeDevCredentials(dir, srv.URL, token); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, cli.DevCredentialsFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v %v", cli.DevCredentialsFile, fi.Mode(), err)
	}
	run := func(env map[string]string) int {
		var out, errOut bytes.Buffer
		env["SLIPWAY_DEV_DATA"], env["XDG_CONFIG_HOME"] = dir, t.TempDir()
		app := &cli.App{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return env[k] }}
		return app.Run(t.Context(), []string{"whoami"})
	}
	if code := run(map[string]string{}); code != 0 || len(got) != 1 || got[0] != "Bearer "+token {
		t.Fatalf("exit %d, sent %q", code, got)
	}
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"actor":"user:anonymous","principal":{}}`))
	}))
	t.Cleanup(other.Close)
	if code := run(map[string]string{"SLIPWAY_SERVER": other.URL}); code != 0 || got[1] != "" {
		t.Fatalf("the dev token went to another server: exit %d, sent %q", code, got[1])
	}
}

// TestTheBannerSaysWhatTheCLINeeds: with the default data folder the CLI
// run from the same folder finds the stack's token; with another, the banner
// names the SLIPWAY_DEV_DATA the CLI needs, and the CLI set so uses it.
func TestTheBannerSaysWhatTheCLINeeds(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"actor":"token:dev-admin(tok_x)","principal":{"subject":"token:tok_x","name":"dev-admin","method":"token","globalAdmin":true}}`))
	}))
	t.Cleanup(srv.Close)
	tests := []struct {
		name, data string
		hint       string
	}{
		{"the default folder", cli.DefaultDevData, "the slipway CLI run from this folder uses this API and its token"},
		{"another folder", filepath.Join(t.TempDir(), "dev data"), "export SLIPWAY_DEV_DATA="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir()) // where slipway dev and the CLI run
			token, err := devAdminToken(tt.data)
			if err != nil {
				t.Fatal(err)
			}
			if err := writeDevCredentials(tt.data, srv.URL, token); err != nil {
				t.Fatal(err)
			}
			var banner bytes.Buffer
			printCLI(&banner, devConfig{DataDir: tt.data}, token)
			if !strings.Contains(banner.String(), tt.hint) {
				t.Fatalf("banner %q, want %q", banner.String(), tt.hint)
			}
			env := map[string]string{"XDG_CONFIG_HOME": t.TempDir()}
			if _, v, ok := strings.Cut(strings.TrimSpace(banner.String()), "SLIPWAY_DEV_DATA="); ok {
				if strings.HasPrefix(v, "'") {
					v = strings.ReplaceAll(strings.Trim(v, "'"), `'\''`, "'")
				}
				env["SLIPWAY_DEV_DATA"] = v
			}
			got = nil
			var out, errOut bytes.Buffer
			app := &cli.App{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return env[k] }}
			if code := app.Run(t.Context(), []string{"whoami"}); code != 0 || len(got) != 1 || got[0] != "Bearer "+token {
				t.Fatalf("the CLI as the banner says: exit %d, sent %q, %s", code, got, errOut.String())
			}
		})
	}
}
