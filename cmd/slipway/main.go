// Command slipway is Slipway's CLI; `slipway dev` runs all of Slipway in one
// process for a laptop or a CI job. The other commands live in internal/cli.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"slipway.dev/cmd/slipway/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) > 0 {
		switch args[0] {
		case "dev":
			return runDev(ctx, args[1:], stdout, stderr, getenv)
		case "version":
			fmt.Fprintln(stdout, "slipway", version)
			return 0
		}
	}
	return cli.Run(ctx, args, stdout, stderr, getenv)
}
