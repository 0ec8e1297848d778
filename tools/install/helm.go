package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/cli"
	"helm.sh/helm/v4/pkg/kube"
	release "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/strvals"
)

// chartFlags are the options of template and lint.
type chartFlags struct {
	namespace     string
	values        map[string]any
	kubeconfig    string // helm-install only
	takeOwnership bool   // helm-install only
}

// parseChartFlags reads -n NS and --set K=V (helm's syntax, repeatable).
func parseChartFlags(args []string) (chartFlags, error) {
	f := chartFlags{namespace: "slipway", values: map[string]any{}}
	for i := 0; i < len(args); i++ {
		if args[i] == "--take-ownership" {
			f.takeOwnership = true
			continue
		}
		if i+1 == len(args) {
			return f, fmt.Errorf("%s needs a value", args[i])
		}
		switch args[i] {
		case "-n", "--namespace":
			f.namespace = args[i+1]
		case "--kubeconfig":
			f.kubeconfig = args[i+1]
		case "--set":
			if err := strvals.ParseInto(args[i+1], f.values); err != nil {
				return f, fmt.Errorf("--set %s: %w", args[i+1], err)
			}
		default:
			return f, fmt.Errorf("unknown flag %s", args[i])
		}
		i++
	}
	return f, nil
}

// helmTemplate writes what `helm template slipway CHART -n NS --set ...`
// writes: the manifests of a client-only dry-run install named "slipway".
func helmTemplate(ctx context.Context, w io.Writer, chartPath string, f chartFlags) error {
	chrt, err := loader.Load(chartPath)
	if err != nil {
		return fmt.Errorf("load chart %s: %w", chartPath, err)
	}
	inst := action.NewInstall(action.NewConfiguration())
	inst.DryRunStrategy = action.DryRunClient
	inst.ReleaseName = "slipway"
	inst.Namespace = f.namespace
	inst.Replace = true
	rel, err := inst.RunWithContext(ctx, chrt, f.values)
	if err != nil {
		return fmt.Errorf("helm template %s: %w", chartPath, err)
	}
	r, ok := rel.(*release.Release)
	if !ok {
		return fmt.Errorf("helm template %s: unexpected release type %T", chartPath, rel)
	}
	out := strings.TrimSpace(r.Manifest) + "\n"
	for _, h := range r.Hooks {
		out += "---\n# Source: " + h.Path + "\n" + h.Manifest + "\n"
	}
	_, err = io.WriteString(w, out)
	return err
}

// helmLint runs `helm lint --strict CHART --set ...`: any message of
// warning severity or above fails.
func helmLint(w io.Writer, chartPath string, f chartFlags) error {
	l := action.NewLint()
	l.Strict = true
	l.Namespace = f.namespace
	res := l.Run([]string{chartPath}, f.values)
	for _, m := range res.Messages {
		fmt.Fprintln(w, m.Error())
	}
	if len(res.Errors) > 0 {
		return fmt.Errorf("helm lint %s: %w", chartPath, errors.Join(res.Errors...))
	}
	fmt.Fprintf(w, "1 chart(s) linted, 0 chart(s) failed\n")
	return nil
}

// helmInstall runs `helm install slipway CHART -n NS [--take-ownership]
// --set ...` against the cluster of f.kubeconfig (server-side apply, Helm
// 4's default; no wait), and writes the release's status.
func helmInstall(ctx context.Context, w io.Writer, chartPath string, f chartFlags) error {
	if f.kubeconfig == "" {
		return errors.New("helm-install needs --kubeconfig")
	}
	chrt, err := loader.Load(chartPath)
	if err != nil {
		return fmt.Errorf("load chart %s: %w", chartPath, err)
	}
	settings := cli.New()
	settings.KubeConfig = f.kubeconfig
	settings.SetNamespace(f.namespace)
	cfg := action.NewConfiguration()
	if err := cfg.Init(settings.RESTClientGetter(), f.namespace, "secret"); err != nil {
		return fmt.Errorf("helm install: %w", err)
	}
	inst := action.NewInstall(cfg)
	inst.ReleaseName = "slipway"
	inst.Namespace = f.namespace
	inst.TakeOwnership = f.takeOwnership
	inst.Timeout = 2 * time.Minute
	inst.WaitStrategy = kube.HookOnlyStrategy // the CLI's default without --wait
	rel, err := inst.RunWithContext(ctx, chrt, f.values)
	if err != nil {
		return fmt.Errorf("helm install %s: %w", chartPath, err)
	}
	r, ok := rel.(*release.Release)
	if !ok {
		return fmt.Errorf("helm install %s: unexpected release type %T", chartPath, rel)
	}
	_, err = fmt.Fprintf(w, "%s %s %d\n", r.Name, r.Info.Status, r.Version)
	return err
}
