package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"slipway.dev/cmd/slipway/internal/cli"
	"slipway.dev/pkg/embedded"
	api "slipway.dev/services/api"
)

// devAdminToken is the dev stack's global-admin token: made once, kept in
// <data>/admin-token (mode 0600), the same across restarts.
func devAdminToken(dataDir string) (string, error) {
	path := filepath.Join(dataDir, "admin-token")
	b, err := os.ReadFile(path)
	if err == nil && strings.TrimSpace(string(b)) != "" {
		return strings.TrimSpace(string(b)), nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read admin token: %w", err)
	}
	if err := embedded.PrivateDir(dataDir); err != nil {
		return "", err
	}
	token := api.GenerateToken()
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("save admin token: %w", err)
	}
	return token, nil
}

// devAuthConfig is the api's access configuration under --auth: the mode
// allowed off loopback, so it runs with per-caller rate limits (the
// documented defaults unless the flags change them; 0 turns one off).
func devAuthConfig(token string, l rateLimits) *api.AuthConfig {
	return &api.AuthConfig{AdminToken: token, RatePerSecond: l.Rate, RateBurst: l.Burst,
		ReadRatePerSecond: l.ReadRate, ReadRateBurst: l.ReadBurst}
}

// writeDevCredentials leaves the API's URL (and token, with --auth) where
// the slipway CLI run from the same folder finds them.
func writeDevCredentials(dataDir, server, token string) error {
	b, err := yaml.Marshal(cli.DevCredentials{Server: server, Token: token})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dataDir, cli.DevCredentialsFile), b, 0o600)
}

func printAuth(w io.Writer, cfg devConfig, token string) {
	if token == "" {
		fmt.Fprintf(w, "  Auth:    OFF: anyone who can reach %s may do anything (loopback only; run with --auth to require tokens)\n", cfg.Addr)
		return
	}
	fmt.Fprintf(w, "  Auth:    on. Global-admin token (kept in %s):\n           %s\n",
		filepath.Join(cfg.DataDir, "admin-token"), token)
}

// printCLI says what the slipway CLI needs to use this stack (its URL and,
// with --auth, its token, from <data>/cli.yaml): nothing when run from the
// folder holding the default ./.slipway, SLIPWAY_DEV_DATA otherwise.
func printCLI(w io.Writer, cfg devConfig, token string) {
	what := "this API"
	if token != "" {
		what = "this API and its token"
	}
	data, err := filepath.Abs(cfg.DataDir)
	def, defErr := filepath.Abs(cli.DefaultDevData)
	if err == nil && defErr == nil && data == def {
		fmt.Fprintf(w, "  CLI:     the slipway CLI run from this folder uses %s\n", what)
		return
	}
	if err != nil {
		data = cfg.DataDir
	}
	fmt.Fprintf(w, "  CLI:     the slipway CLI uses %s with: export SLIPWAY_DEV_DATA=%s\n", what, shellQuote(data))
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// loopback reports whether addr (host:port) listens on loopback only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
