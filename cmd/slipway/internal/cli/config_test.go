package cli_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"slipway.dev/cmd/slipway/internal/cli"
)

// plainApp is an App with the library's defaults for keys and output
// detection, the environment holding only SLIPWAY_SERVER (when not empty)
// and a fresh config dir.
func plainApp(t *testing.T, server string) (*cli.App, *bytes.Buffer, *bytes.Buffer) {
	env := map[string]string{"XDG_CONFIG_HOME": t.TempDir()}
	if server != "" {
		env["SLIPWAY_SERVER"] = server
	}
	var stdout, stderr bytes.Buffer
	return &cli.App{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return env[k] }, RetryBackoff: -1,
		PollInterval: time.Millisecond}, &stdout, &stderr
}

// The server and the token each come from the flag, else the environment,
// else the config file, else the default.
func TestConfigPrecedence(t *testing.T) {
	fileAPI, envAPI, flagAPI := newFakeAPI(t), newFakeAPI(t), newFakeAPI(t)
	for _, a := range []*fakeAPI{fileAPI, envAPI, flagAPI} {
		a.reply("GET", "/v1/targets", 200, `{"items":[]}`)
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "slipway"), 0o700)
	os.WriteFile(filepath.Join(dir, "slipway", "config.yaml"),
		[]byte("server: "+fileAPI.srv.URL+"/\ntoken: file-token\n"), 0o600)

	tests := []struct {
		name      string
		env       map[string]string
		flags     []string
		api       *fakeAPI
		wantToken string
	}{
		{"config file", nil, nil, fileAPI, "file-token"},
		{"env over file", map[string]string{"SLIPWAY_SERVER": envAPI.srv.URL, "SLIPWAY_TOKEN": "env-token"}, nil, envAPI, "env-token"},
		{"flag over env", map[string]string{"SLIPWAY_SERVER": envAPI.srv.URL, "SLIPWAY_TOKEN": "env-token"},
			[]string{"--server", flagAPI.srv.URL, "--token", "flag-token"}, flagAPI, "flag-token"},
		{"each setting on its own", map[string]string{"SLIPWAY_SERVER": envAPI.srv.URL}, nil, envAPI, "file-token"},
		{"flags before the command", nil, nil, flagAPI, "flag-token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"XDG_CONFIG_HOME": dir}
			for k, v := range tt.env {
				env[k] = v
			}
			var stdout, stderr bytes.Buffer
			app := &cli.App{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return env[k] }, RetryBackoff: -1}
			args := append([]string{"targets", "list"}, tt.flags...)
			if tt.name == "flags before the command" {
				args = []string{"--server", flagAPI.srv.URL, "--token=flag-token", "targets", "list"}
			}
			before := len(tt.api.requests())
			if code := app.Run(t.Context(), args); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			if len(tt.api.requests()) != before+1 {
				t.Fatalf("the request went elsewhere")
			}
			if got := tt.api.last("GET", "/v1/targets").Header.Get("Authorization"); got != "Bearer "+tt.wantToken {
				t.Fatalf("Authorization %q, want Bearer %s", got, tt.wantToken)
			}
		})
	}

	t.Run("default", func(t *testing.T) {
		var stdout bytes.Buffer
		app := &cli.App{Stdout: &stdout, Stderr: &stdout, Getenv: func(string) string { return "" }}
		if code := app.Run(t.Context(), []string{"config", "view", "-o", "json"}); code != 0 {
			t.Fatalf("exit %d: %s", code, stdout.String())
		}
		var s struct{ Server, ServerFrom, ConfigFile string }
		json.Unmarshal(stdout.Bytes(), &s)
		if s.Server != "http://127.0.0.1:8080" || s.ServerFrom != "default" || s.ConfigFile != "" {
			t.Fatalf("got %+v", s)
		}
	})
}

func TestConfigSetAndView(t *testing.T) {
	home := t.TempDir()
	env := map[string]string{"HOME": home}
	run := func(stdin string, args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		app := &cli.App{Stdout: &stdout, Stderr: &stderr, Stdin: strings.NewReader(stdin), Getenv: func(k string) string { return env[k] }}
		return app.Run(t.Context(), args), stdout.String(), stderr.String()
	}
	if code, _, stderr := run("", "config", "set-server", "https://slipway.example.com/"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if code, out, stderr := run("s3cr3t-token-wxyz\n", "config", "set-token", "-"); code != 0 || strings.Contains(out, "s3cr3t") {
		t.Fatalf("exit %d, said %q: %s", code, out, stderr)
	}
	path := filepath.Join(home, ".config", "slipway", "config.yaml")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("config file mode %v, want 0600", fi.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	if string(data) != "server: https://slipway.example.com\ntoken: s3cr3t-token-wxyz\n" {
		t.Fatalf("config file:\n%s", data)
	}
	code, out, _ := run("", "config", "view")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	golden(t, "config-view.txt", strings.ReplaceAll(out, home, "$HOME"))
	if code, _, stderr := run("", "config", "set-server", "not a url"); code != 2 || !strings.Contains(stderr, "not an http(s) URL") {
		t.Fatalf("a bad server: exit %d: %s", code, stderr)
	}
}
