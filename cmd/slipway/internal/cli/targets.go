package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

func targetCommands() []command {
	return []command{
		{path: "targets list", summary: "list the targets (clusters) deployments run on", setup: func(fs *flag.FlagSet) runFunc {
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 0 {
					return usageErrorf("takes no arguments")
				}
				c, err := e.client()
				if err != nil {
					return err
				}
				l, err := c.ListTargets(ctx)
				if err != nil {
					return err
				}
				ts := make([]Target, 0, len(l.V.Items))
				for _, t := range l.V.Items {
					ts = append(ts, t.V)
				}
				return e.printRaw(l.Raw, func(w io.Writer) { targetTable(w, ts) })
			}
		}},
		{path: "targets get", args: "NAME", summary: "show a target and its instance types", setup: func(fs *flag.FlagSet) runFunc {
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 1 {
					return usageErrorf("want one target name")
				}
				c, err := e.client()
				if err != nil {
					return err
				}
				t, err := c.GetTarget(ctx, args[0])
				if err != nil {
					return err
				}
				return e.printRaw(t.Raw, func(w io.Writer) {
					targetTable(w, []Target{t.V})
					fmt.Fprintln(w)
					instanceTypeTable(w, t.V.InstanceTypes)
				})
			}
		}},
	}
}

func targetTable(w io.Writer, ts []Target) {
	rows := make([][]string, 0, len(ts))
	for _, t := range ts {
		names := make([]string, 0, len(t.InstanceTypes))
		for n := range t.InstanceTypes {
			names = append(names, n)
		}
		sort.Strings(names)
		rows = append(rows, []string{t.Name, orDash(t.Region), t.Namespace, t.BaseURL, yesNo(t.Default), yesNo(t.Simulated),
			strings.Join(names, ",")})
	}
	table(w, []string{"NAME", "REGION", "NAMESPACE", "BASE URL", "DEFAULT", "SIMULATED", "INSTANCE TYPES"}, rows)
}

func instanceTypeTable(w io.Writer, types map[string]InstanceType) {
	names := make([]string, 0, len(types))
	for n := range types {
		names = append(names, n)
	}
	sort.Strings(names)
	rows := make([][]string, 0, len(names))
	for _, n := range names {
		it := types[n]
		rows = append(rows, []string{n, it.CPU, it.Memory, strconv.Itoa(it.GPU)})
	}
	table(w, []string{"INSTANCE TYPE", "CPU", "MEMORY", "GPU"}, rows)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
