package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"slipway.dev/pkg/client"
)

// globals are the flags every command takes.
type globals struct {
	server  string
	token   string
	output  string
	project string
}

func (g *globals) register(fs *flag.FlagSet) {
	fs.StringVar(&g.server, "server", g.server, "the Slipway API `URL` (env SLIPWAY_SERVER, config file; default "+defaultServer+")")
	fs.StringVar(&g.token, "token", g.token, "the bearer `token` sent to the API (env SLIPWAY_TOKEN, config file)")
	if g.output == "" {
		g.output = "table"
	}
	fs.StringVar(&g.output, "output", g.output, "output `format`: table, json or yaml")
	fs.StringVar(&g.output, "o", g.output, "short for --output")
	fs.StringVar(&g.project, "project", g.project, "the project (`owner/project`) of bare deployment names")
}

// env is what a running command works with.
type env struct {
	*App
	g   globals
	cmd command
}

// client returns a client for the configured server.
func (e *env) client() (*client.Client, error) {
	s, err := resolveSettings(e.g, e.Getenv)
	if err != nil {
		return nil, err
	}
	c := client.New(s.Server, s.Token)
	c.HTTP, c.RetryBackoff, c.PollInterval, c.UserAgent = e.HTTP, e.RetryBackoff, e.pollInterval(), "slipway-cli"
	return c, nil
}

// clientFor checks that a command got want positional arguments (usage
// says what it wants otherwise) and returns the API client.
func (e *env) clientFor(args []string, want int, usage string) (*client.Client, error) {
	if len(args) != want {
		return nil, usageErrorf("%s", usage)
	}
	return e.client()
}

// format returns the output format, checked.
func (e *env) format() (string, error) {
	switch e.g.output {
	case "table", "json", "yaml":
		return e.g.output, nil
	}
	return "", usageErrorf("--output %q: want table, json or yaml", e.g.output)
}

// usageError is a mistake on the command line (exit 2).
type usageError struct{ msg string }

func (u *usageError) Error() string { return u.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// exitError ends a command with code, saying msg on stderr when not empty.
type exitError struct {
	code int
	msg  string
}

func (x *exitError) Error() string { return x.msg }

// failed ends a command with ExitFailed and a message.
func failed(format string, args ...any) error {
	return &exitError{code: ExitFailed, msg: fmt.Sprintf(format, args...)}
}

// exit turns a command's error into its exit code, reporting it on stderr.
func (e *env) exit(err error) int {
	if err == nil {
		return ExitOK
	}
	var (
		usage   *usageError
		x       *exitError
		problem *client.ProblemError
		conn    *client.ConnectionError
	)
	switch {
	case errors.As(err, &usage):
		fmt.Fprintf(e.Stderr, "slipway %s: %s\nRun 'slipway %s -h' for usage.\n", e.cmd.path, usage.msg, e.cmd.path)
		return ExitUsage
	case errors.As(err, &x):
		if x.msg != "" {
			fmt.Fprintln(e.Stderr, "slipway:", x.msg)
		}
		return x.code
	case errors.As(err, &problem):
		fmt.Fprint(e.Stderr, formatProblem(problem))
		return ExitFailed
	case errors.As(err, &conn):
		fmt.Fprintf(e.Stderr, "slipway: %v\n(set the server with --server, SLIPWAY_SERVER or 'slipway config set-server URL')\n", conn)
		return ExitUsage
	case errors.Is(err, errConfig):
		fmt.Fprintln(e.Stderr, "slipway:", err)
		return ExitUsage
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(e.Stderr, "slipway: interrupted")
		return ExitFailed
	}
	fmt.Fprintln(e.Stderr, "slipway:", err)
	return ExitFailed
}

// formatProblem renders a problem for people: its title, status and detail,
// the reason and operation of a rejection, and each field error.
func formatProblem(p *client.ProblemError) string {
	var b strings.Builder
	fmt.Fprintf(&b, "slipway: %s (%d)", p.Title, p.Status)
	if p.Detail != "" {
		fmt.Fprintf(&b, ": %s", p.Detail)
	}
	b.WriteString("\n")
	if p.Reason != "" || p.Operation != "" {
		var parts []string
		if p.Reason != "" {
			parts = append(parts, "reason "+p.Reason)
		}
		if p.Operation != "" {
			parts = append(parts, "operation "+p.Operation)
		}
		fmt.Fprintf(&b, "  %s\n", strings.Join(parts, ", "))
	}
	for _, f := range p.Errors {
		fmt.Fprintf(&b, "  - %s: %s\n", f.Field, f.Message)
	}
	return b.String()
}
