// Package cli is Slipway's command line: every API operation as a
// subcommand, output as a table, JSON or YAML, a live view of a rollout,
// waiting for CI pipelines, shell completion, and a config file for the
// server and token. `slipway dev` and `slipway version` stay in package main.
package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"time"
)

// Exit codes.
const (
	ExitOK     = 0 // done; an operation succeeded
	ExitFailed = 1 // the API refused, an operation failed or was rejected, a wait timed out
	ExitUsage  = 2 // bad usage, bad config, or the API could not be reached
)

// App is the environment of one invocation. Only Stdout, Stderr and Getenv
// are required; the other fields have defaults and exist for tests.
type App struct {
	Stdout, Stderr io.Writer
	// Stdin is read by `config set-token -` (nil: no input).
	Stdin  io.Reader
	Getenv func(string) string
	// HTTP sends requests (nil: the client's default, with connect and header timeouts).
	HTTP *http.Client
	// PollInterval is how often watches poll (0: 500 ms).
	PollInterval time.Duration
	// RetryBackoff is the pause before retrying a request that failed in
	// transport; it doubles per retry (0: 250 ms; negative: no pause).
	RetryBackoff time.Duration
	// Now is the clock for ages (nil: time.Now).
	Now func() time.Time
	// IsTerminal reports whether w is a terminal, which makes
	// `rollout status --watch` redraw in place (nil: a character-device check).
	IsTerminal func(w io.Writer) bool
	// NewKey makes the Idempotency-Key of a command given none (nil: random).
	NewKey func() string
}

// Run runs the command line args (without the program name) and returns the
// exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	app := &App{Stdout: stdout, Stderr: stderr, Stdin: os.Stdin, Getenv: getenv}
	return app.Run(ctx, args)
}

func (a *App) pollInterval() time.Duration {
	if a.PollInterval > 0 {
		return a.PollInterval
	}
	return 500 * time.Millisecond
}

func (a *App) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *App) isTerminal(w io.Writer) bool {
	if a.IsTerminal != nil {
		return a.IsTerminal(w)
	}
	f, ok := w.(*os.File)
	if !ok || a.Getenv("TERM") == "dumb" {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func (a *App) newKey() string {
	if a.NewKey != nil {
		return a.NewKey()
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return "cli-" + hex.EncodeToString(b)
}
