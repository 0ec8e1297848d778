package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"slipway.dev/pkg/client"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/validation"
)

func targetCommands() []command {
	return append([]command{
		{path: "targets list", summary: "list the targets (clusters) deployments run on", setup: func(fs *flag.FlagSet) runFunc {
			return func(ctx context.Context, e *env, args []string) error {
				c, err := e.clientFor(args, 0, "takes no arguments")
				if err != nil {
					return err
				}
				l, err := c.ListTargets(ctx)
				if err != nil {
					return err
				}
				ts := make([]client.Target, 0, len(l.Items))
				for _, t := range l.Items {
					ts = append(ts, t)
				}
				return e.printRaw(l.JSON(), func(w io.Writer) { targetTable(w, ts) })
			}
		}},
		{path: "targets get", args: "NAME", summary: "show a target and its instance types", setup: func(fs *flag.FlagSet) runFunc {
			return func(ctx context.Context, e *env, args []string) error {
				c, err := e.clientFor(args, 1, "want one target name")
				if err != nil {
					return err
				}
				t, err := c.GetTarget(ctx, args[0])
				if err != nil {
					return err
				}
				return e.printRaw(t.JSON(), func(w io.Writer) {
					targetTable(w, []client.Target{t})
					targetDetail(w, t)
					fmt.Fprintln(w)
					instanceTypeTable(w, t.InstanceTypes)
				})
			}
		}},
	}, targetWriteCommands()...)
}

// targetWriteCommands register and remove targets (the admin role).
func targetWriteCommands() []command {
	return []command{
		{path: "targets register", args: "NAME", summary: "register a cluster as a target, or replace its registration", setup: setupTargetRegister},
		{path: "targets delete", args: "NAME", summary: "remove a registered target (refused while deployments run on it)", setup: setupTargetDelete},
	}
}

func setupTargetRegister(fs *flag.FlagSet) runFunc {
	var cf commandFlags
	cf.register(fs)
	region := fs.String("region", "", "where the cluster is, like eu-west-1")
	namespace := fs.String("namespace", "", "the `namespace` deployments go to (required)")
	baseURL := fs.String("base-url", "", "the public base `URL` of endpoint URLs (required)")
	var types instanceTypeFlags
	fs.Var(&types, "instance-type", "an instance type `NAME=CPU/MEMORY[/GPU]`, like gpu-a10=8/32Gi/1 (repeatable; at least one)")
	inCluster := fs.Bool("in-cluster", false, "reach the cluster the workers run in, with their service account")
	secret := fs.String("kubeconfig-secret", "", "reach it with the kubeconfig in `NAMESPACE/NAME/KEY`, a Secret of the workers' cluster")
	file := fs.String("kubeconfig-file", "", "reach it with the kubeconfig at `PATH` on the workers' filesystem")
	routingFlag := fs.String("routing", "", "how it serves deployments' URLs: none, or JSON like "+
		`{"ingress":{"className":"nginx","rewrite":"nginx"}} or {"gateway":{"name":"public","namespace":"gateways"}}`)
	prometheus := fs.String("prometheus-url", "", "the Prometheus `URL` canaries' checks on this target query (default: the workers' own)")
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) != 1 {
			return usageErrorf("want one target name")
		}
		routing, err := validation.ParseRouting(*routingFlag)
		if err != nil {
			return usageErrorf("--routing: %v", err)
		}
		var conn events.TargetConnection
		switch {
		case *secret != "":
			parts := strings.Split(*secret, "/")
			if len(parts) != 3 {
				return usageErrorf("--kubeconfig-secret %q: want NAMESPACE/NAME/KEY", *secret)
			}
			conn.KubeconfigSecret = &events.SecretKeySelector{Namespace: parts[0], Name: parts[1], Key: parts[2]}
		case *file != "":
			conn.KubeconfigFile = *file
		}
		conn.InCluster = *inCluster
		// The API checks the rest (one connection, required fields) and names what is wrong.
		body := client.TargetRegistration{Region: *region, Namespace: *namespace, BaseURL: *baseURL,
			InstanceTypes: types.m, Connection: conn, Routing: routing,
			PrometheusURL: *prometheus}
		o, c, err := cf.clientWith(e)
		if err != nil {
			return err
		}
		return e.submitted(c.PutTarget(ctx, args[0], body, o))
	}
}

func setupTargetDelete(fs *flag.FlagSet) runFunc {
	var cf commandFlags
	cf.register(fs)
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) != 1 {
			return usageErrorf("want one target name")
		}
		o, c, err := cf.clientWith(e)
		if err != nil {
			return err
		}
		return e.submitted(c.DeleteTarget(ctx, args[0], o))
	}
}

// instanceTypeFlags collects --instance-type NAME=CPU/MEMORY[/GPU].
type instanceTypeFlags struct {
	m map[string]events.InstanceType
}

func (f *instanceTypeFlags) String() string { return "" }

func (f *instanceTypeFlags) Set(v string) error {
	name, spec, ok := strings.Cut(v, "=")
	parts := strings.Split(spec, "/")
	if !ok || name == "" || len(parts) < 2 || len(parts) > 3 {
		return fmt.Errorf("want NAME=CPU/MEMORY[/GPU], like cpu-small=500m/1Gi")
	}
	it := events.InstanceType{CPU: parts[0], Memory: parts[1]}
	if len(parts) == 3 {
		n, err := strconv.Atoi(parts[2])
		if err != nil {
			return fmt.Errorf("GPU %q: want a whole number", parts[2])
		}
		it.GPU = n
	}
	if f.m == nil {
		f.m = map[string]events.InstanceType{}
	}
	f.m[name] = it
	return nil
}

func targetTable(w io.Writer, ts []client.Target) {
	rows := make([][]string, 0, len(ts))
	for _, t := range ts {
		names := make([]string, 0, len(t.InstanceTypes))
		for n := range t.InstanceTypes {
			names = append(names, n)
		}
		sort.Strings(names)
		source := t.Source
		if source == "" {
			source = "config"
		}
		rows = append(rows, []string{t.Name, orDash(t.Region), t.Namespace, t.BaseURL, source, reachability(t.Status),
			yesNo(t.Default), yesNo(t.Simulated), strings.Join(names, ",")})
	}
	table(w, []string{"NAME", "REGION", "NAMESPACE", "BASE URL", "SOURCE", "REACHABLE", "DEFAULT", "SIMULATED", "INSTANCE TYPES"}, rows)
}

// reachability is yes, no (with the last error) or - when never checked.
func reachability(st *events.TargetStatus) string {
	switch {
	case st == nil:
		return "-"
	case st.Reachable:
		return "yes"
	}
	return "no"
}

// targetDetail prints what a table row leaves out: how the target is
// reached and its last check.
func targetDetail(w io.Writer, t client.Target) {
	if t.Connection != nil {
		fmt.Fprintln(w, "connection:", connectionText(*t.Connection))
	}
	if st := t.Status; st != nil {
		fmt.Fprintf(w, "last checked: %s", st.LastCheckedAt.UTC().Format(time.RFC3339))
		if st.ServerVersion != "" {
			fmt.Fprintf(w, " (server %s)", st.ServerVersion)
		}
		fmt.Fprintln(w)
		if st.LastError != "" {
			fmt.Fprintln(w, "last error:", st.LastError)
		}
	}
}

func connectionText(c events.TargetConnection) string {
	switch {
	case c.InCluster:
		return "in-cluster"
	case c.KubeconfigSecret != nil:
		s := c.KubeconfigSecret
		return fmt.Sprintf("kubeconfig in secret %s/%s, key %s", s.Namespace, s.Name, s.Key)
	}
	return "kubeconfig file " + c.KubeconfigFile
}

func instanceTypeTable(w io.Writer, types map[string]events.InstanceType) {
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
