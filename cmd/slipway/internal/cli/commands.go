package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// A command is one subcommand: its path ("deployments create"), its
// arguments and summary for help, and setup, which registers its flags on fs
// and returns the function that runs it with the positional arguments.
type command struct {
	path    string
	args    string
	summary string
	setup   func(fs *flag.FlagSet) runFunc
	// external commands (dev, version) are run by package main; they are
	// listed here for help and completion only, with their flags.
	external []string
}

type runFunc func(ctx context.Context, e *env, args []string) error

// commands lists every subcommand, in help order.
func commands() []command {
	var cs []command
	cs = append(cs, deploymentCommands()...)
	cs = append(cs, rollbackCommand())
	cs = append(cs, revisionCommands()...)
	cs = append(cs, aliasCommands()...)
	cs = append(cs, rolloutCommands()...)
	cs = append(cs, operationCommands()...)
	cs = append(cs, waitCommand())
	cs = append(cs, promotionCommands()...)
	cs = append(cs, eventsCommand(), auditCommand())
	cs = append(cs, targetCommands()...)
	cs = append(cs, webhookCommands()...)
	cs = append(cs, tokenCommands()...)
	cs = append(cs, configCommands()...)
	cs = append(cs, completionCommand())
	cs = append(cs,
		command{path: "dev", args: "[flags]", summary: "run all of Slipway locally (embedded NATS and FerretDB)",
			external: []string{"--addr", "--data", "--cluster", "--kubeconfig", "--namespace", "--log-stderr", "--auth",
				"--rate-limit", "--rate-burst", "--read-rate-limit", "--read-rate-burst"}},
		command{path: "version", summary: "print the version", external: []string{}},
	)
	return cs
}

// aliases are other spellings of command words.
var aliases = map[string]string{
	"deployment": "deployments", "revision": "revisions", "operation": "operations", "op": "operations",
	"ops": "operations", "target": "targets", "token": "tokens", "promotion": "promotions", "ls": "list", "rm": "delete",
	"alias": "aliases", "webhook": "webhooks",
}

// Run runs one command line and returns its exit code.
func (a *App) Run(ctx context.Context, args []string) int {
	e := &env{App: a}
	top := flag.NewFlagSet("slipway", flag.ContinueOnError)
	top.SetOutput(io.Discard)
	e.g.register(top)
	if err := top.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(a.Stdout, usage())
			return ExitOK
		}
		fmt.Fprintf(a.Stderr, "slipway: %v\n\n%s", err, usage())
		return ExitUsage
	}
	args = top.Args()
	if len(args) == 0 {
		fmt.Fprint(a.Stderr, usage())
		return ExitUsage
	}
	if args[0] == "help" {
		return a.help(args[1:])
	}
	cmd, rest, ok := find(args)
	if !ok {
		return a.unknown(args)
	}
	if cmd.external != nil {
		fmt.Fprintf(a.Stderr, "slipway: %s is run by the slipway binary itself\n", cmd.path)
		return ExitUsage
	}
	e.cmd = cmd
	fs := flag.NewFlagSet("slipway "+cmd.path, flag.ContinueOnError)
	fs.SetOutput(a.Stderr)
	fs.Usage = func() { commandUsage(fs.Output(), cmd, fs) }
	e.g.register(fs)
	run := cmd.setup(fs)
	pos, err := parseInterspersed(fs, rest)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage // the flag package has said what and printed the usage
	}
	if _, err := e.format(); err != nil {
		return e.exit(err)
	}
	return e.exit(run(ctx, e, pos))
}

// find matches the longest command path at the start of args.
func find(args []string) (command, []string, bool) {
	words := make([]string, 0, 2)
	for _, w := range args[:min(2, len(args))] {
		if a, ok := aliases[w]; ok {
			w = a
		}
		words = append(words, w)
	}
	cs := commands()
	for n := len(words); n > 0; n-- {
		for _, c := range cs {
			if c.path == strings.Join(words[:n], " ") {
				return c, args[n:], true
			}
		}
	}
	return command{}, nil, false
}

func (a *App) unknown(args []string) int {
	group := args[0]
	if g, ok := aliases[group]; ok {
		group = g
	}
	if subs := subcommands(group); len(subs) > 0 {
		if len(args) == 1 {
			fmt.Fprintf(a.Stderr, "slipway %s: which one? %s\n", group, strings.Join(subs, ", "))
		} else {
			fmt.Fprintf(a.Stderr, "slipway %s: unknown command %q (the commands are %s)\n", group, args[1], strings.Join(subs, ", "))
		}
		return ExitUsage
	}
	fmt.Fprintf(a.Stderr, "slipway: unknown command %q\n\n%s", args[0], usage())
	return ExitUsage
}

// subcommands lists the second words of group's commands.
func subcommands(group string) []string {
	var out []string
	for _, c := range commands() {
		if g, sub, ok := strings.Cut(c.path, " "); ok && g == group {
			out = append(out, sub)
		}
	}
	return out
}

func (a *App) help(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(a.Stdout, usage())
		return ExitOK
	}
	cmd, _, ok := find(args)
	if !ok || cmd.external != nil {
		if !ok {
			return a.unknown(args)
		}
		fmt.Fprintf(a.Stdout, "Run 'slipway %s -h'.\n", cmd.path)
		return ExitOK
	}
	fs := flag.NewFlagSet("slipway "+cmd.path, flag.ContinueOnError)
	var g globals
	g.register(fs)
	cmd.setup(fs)
	commandUsage(a.Stdout, cmd, fs)
	return ExitOK
}

func commandUsage(w io.Writer, c command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: slipway %s %s\n\n%s.\n\nFlags:\n", c.path, c.args, upperFirst(c.summary))
	fs.SetOutput(w)
	fs.PrintDefaults()
}

func usage() string {
	var b strings.Builder
	b.WriteString("slipway runs machine-learning model deployments on Kubernetes.\n\nUsage: slipway COMMAND [flags]\n\nCommands:\n")
	rows := [][2]string{}
	width := 0
	for _, c := range commands() {
		left := strings.TrimSpace(c.path + " " + c.args)
		rows = append(rows, [2]string{left, c.summary})
		width = max(width, len(left))
	}
	for _, r := range rows {
		fmt.Fprintf(&b, "  %-*s  %s\n", width, r[0], r[1])
	}
	b.WriteString(`
REF is a deployment, owner/project/name, or a name with --project owner/project.

Global flags (anywhere on the line):
  --server URL       the API (env SLIPWAY_SERVER, config file; default ` + defaultServer + `)
  --token TOKEN      the bearer token (env SLIPWAY_TOKEN, config file)
  -o, --output FMT   table (default), json or yaml
  --project OWNER/PROJECT
                     the project of bare deployment names

Config file: $XDG_CONFIG_HOME/slipway/config.yaml (or ~/.config/slipway/config.yaml).
Exit codes: 0 done, 1 refused/failed/rejected/timed out, 2 bad usage or API unreachable.
Run 'slipway help COMMAND' for a command's flags.
`)
	return b.String()
}

// flagNames returns the flags of c (global ones included) as they are
// typed, sorted: "--image", "-o".
func flagNames(c command) []string {
	if c.external != nil {
		return append([]string(nil), c.external...)
	}
	fs := flag.NewFlagSet(c.path, flag.ContinueOnError)
	var g globals
	g.register(fs)
	c.setup(fs)
	var out []string
	fs.VisitAll(func(f *flag.Flag) { out = append(out, dashed(f.Name)) })
	sort.Strings(out)
	return out
}

func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
