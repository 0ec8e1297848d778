// Command install renders and loads Slipway's installation files with the
// tools users install them with, for the tests in the workspace (which keep
// these modules out of their own go.mod files):
//
//	install kustomize DIR                          kustomize build DIR (YAML)
//	install template CHART [-n NS] [--set K=V]...  helm template (YAML)
//	install lint CHART [--set K=V]...              helm lint; exit 1 on a warning or error
//	install helm-install CHART --kubeconfig KC -n NS [--take-ownership] [--set K=V]...
//	                                               helm install (release "slipway"), no wait
//	install compose FILE                           the Compose project as compose-go loads it (JSON)
//
// Errors go to stderr with exit status 1; the output is the tool's own,
// unchanged, so a test compares what a user would get.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
)

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "install:", err)
		os.Exit(1)
	}
}

var errUsage = errors.New("usage: install kustomize DIR | template CHART [-n NS] [--set K=V]... | lint CHART [--set K=V]... |" +
	" helm-install CHART --kubeconfig KC -n NS [--take-ownership] [--set K=V]... | compose FILE")

func run(ctx context.Context, args []string) error {
	if len(args) < 2 {
		return errUsage
	}
	cmd, target, rest := args[0], args[1], args[2:]
	switch cmd {
	case "kustomize":
		return kustomizeBuild(os.Stdout, target)
	case "template":
		opts, err := parseChartFlags(rest)
		if err != nil {
			return err
		}
		return helmTemplate(ctx, os.Stdout, target, opts)
	case "lint":
		opts, err := parseChartFlags(rest)
		if err != nil {
			return err
		}
		return helmLint(os.Stdout, target, opts)
	case "helm-install":
		opts, err := parseChartFlags(rest)
		if err != nil {
			return err
		}
		return helmInstall(ctx, os.Stdout, target, opts)
	case "compose":
		return composeLoad(ctx, os.Stdout, target)
	}
	return errUsage
}
