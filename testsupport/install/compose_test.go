package install_test

import (
	"net/url"
	"path"
	"slices"
	"strings"
	"testing"

	"slipway.dev/pkg/kube"
	api "slipway.dev/services/api"
	monitor "slipway.dev/services/health-monitor"
	"slipway.dev/services/promoter"
	worker "slipway.dev/services/rollout-worker"
	"slipway.dev/testsupport/install"
)

// composed is one of Slipway's services as the Compose file runs it: the
// variables it reads, and the configuration it loads from them (its own
// LoadConfig, Validate included) with the files in it it opens.
type composed struct {
	name  string
	reads []string
	load  func(getenv func(string) string) (files []string, err error)
}

func composedServices() []composed {
	targets := func(load func([]string, func(string) string) ([]kube.TargetConfig, error)) func(func(string) string) ([]string, error) {
		return func(getenv func(string) string) ([]string, error) {
			tcs, err := load(nil, getenv)
			var files []string
			for _, tc := range tcs {
				files = append(files, tc.Kubeconfig)
			}
			if f := getenv(kube.EnvTargetsFile); f != "" {
				files = append(files, f)
			}
			return files, err
		}
	}
	return []composed{
		{"api", api.EnvVars(), func(getenv func(string) string) ([]string, error) {
			cfg, err := api.LoadConfig(nil, getenv)
			return []string{cfg.Auth.AdminTokenFile, cfg.WebhookKeyFile, cfg.Auth.PolicyFile}, err
		}},
		{"rollout-worker", worker.EnvVars(), targets(func(a []string, g func(string) string) ([]kube.TargetConfig, error) {
			cfg, err := worker.LoadConfig(a, g)
			return cfg.TargetConfigs, err
		})},
		{"health-monitor", monitor.EnvVars(), targets(func(a []string, g func(string) string) ([]kube.TargetConfig, error) {
			cfg, err := monitor.LoadConfig(a, g)
			return cfg.TargetConfigs, err
		})},
		{"promoter", promoter.EnvVars(), func(getenv func(string) string) ([]string, error) {
			_, err := promoter.LoadConfig(nil, getenv)
			return nil, err
		}},
	}
}

// TestComposeAsTheServicesReadIt loads docker-compose.yaml with the Compose
// specification's own loader (so a field the spec does not know, or a bad
// interpolation, fails) and checks each Slipway service against what it
// reads: every SLIPWAY_* variable is one it reads, its LoadConfig accepts
// the environment, every file its configuration names is a secret or a
// mount of that service, read-only, and every secret and mount is such a
// file; the NATS URL and MongoDB URI name services of the file, which it
// waits for healthy, and their healthchecks probe what they serve.
func TestComposeAsTheServicesReadIt(t *testing.T) {
	p := install.Compose(t)
	for _, svc := range composedServices() {
		t.Run(svc.name, func(t *testing.T) {
			c, ok := p.Services[svc.name]
			if !ok {
				t.Fatalf("docker-compose.yaml: no service %q", svc.name)
			}
			env := map[string]string{}
			for k, v := range c.Environment {
				if v == nil {
					continue // set from the caller's environment, absent here
				}
				env[k] = *v
				if strings.HasPrefix(k, "SLIPWAY_") && !slices.Contains(svc.reads, k) {
					t.Errorf("%s is set, but %s does not read it", k, svc.name)
				}
			}
			files, err := svc.load(func(k string) string { return env[k] })
			if err != nil {
				t.Fatalf("%s's configuration from its Compose environment: %v", svc.name, err)
			}
			checkFiles(t, p, c, files)
			checkDependencies(t, p, c, env)
			if c.HealthCheck != nil && !c.HealthCheck.Disable {
				// The images are distroless: no shell or client to run a probe with.
				t.Errorf("healthcheck %v cannot run in a distroless image", c.HealthCheck.Test)
			}
		})
	}
	checkDataServices(t, p)
}

// checkFiles: the files a configuration opens are exactly the service's
// secrets and read-only mounts (a file under a mounted folder counts).
func checkFiles(t *testing.T, p install.Project, c install.Service, files []string) {
	t.Helper()
	mounted := map[string]bool{}
	for _, s := range c.Secrets {
		mounted[s.Target] = false
		if top, ok := p.Secrets[s.Source]; !ok || (top.File == "" && top.Environment == "") {
			t.Errorf("secret %q is not defined at the top level with a file", s.Source)
		}
	}
	for _, v := range c.Volumes {
		mounted[v.Target] = false
		if !v.ReadOnly {
			t.Errorf("volume %s -> %s is writable: the service only reads it", v.Source, v.Target)
		}
		if v.Type == "bind" && (v.Bind == nil || v.Bind.CreateHostPath) {
			t.Errorf("bind mount %s: a missing source would be created as an empty folder (set bind.create_host_path: false)", v.Source)
		}
	}
	for _, f := range files {
		if f == "" {
			continue
		}
		found := false
		for target := range mounted {
			if f == target || strings.HasPrefix(f, strings.TrimSuffix(target, "/")+"/") {
				mounted[target], found = true, true
			}
		}
		if !found {
			t.Errorf("the configuration reads %s, which no secret or volume of the service provides", f)
		}
	}
	for target, used := range mounted {
		if !used {
			t.Errorf("%s is mounted but the configuration reads nothing there", target)
		}
	}
}

// checkDependencies: the NATS URL and MongoDB URI name services of the
// file that the service waits for until healthy.
func checkDependencies(t *testing.T, p install.Project, c install.Service, env map[string]string) {
	t.Helper()
	for _, k := range []string{"SLIPWAY_NATS_URL", "SLIPWAY_MONGO_URI"} {
		raw, ok := env[k]
		if !ok {
			continue
		}
		// The NATS URL may list every node of a cluster, comma-separated.
		for _, one := range strings.Split(raw, ",") {
			u, err := url.Parse(one)
			if err != nil {
				t.Errorf("%s=%q: %v", k, raw, err)
				continue
			}
			host := u.Hostname()
			if _, ok := p.Services[host]; !ok {
				t.Errorf("%s=%q: %q is not a service of the file", k, raw, host)
				continue
			}
			if d, ok := c.DependsOn[host]; !ok || d.Condition != "service_healthy" {
				t.Errorf("%s names %s, which the service does not wait for healthy (depends_on condition service_healthy)", k, host)
			}
		}
	}
}

// natsNodes are the file's NATS services: nats, or nats-1, nats-2, ... of
// a cluster (issue 21: three nodes with routes).
func natsNodes(p install.Project) []string {
	var out []string
	for name := range p.Services {
		if name == "nats" || strings.HasPrefix(name, "nats-") {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// checkDataServices: NATS and MongoDB keep their data on named volumes,
// where they write it, and their healthchecks probe what they serve.
func checkDataServices(t *testing.T, p install.Project) {
	t.Helper()
	nodes := natsNodes(p)
	if len(nodes) == 0 {
		t.Error("no NATS service (nats, or nats-1, nats-2, ...)")
	}
	dataDirs := map[string]string{"mongodb": "/data/db"}
	for _, n := range nodes {
		dataDirs[n] = "/data"
	}
	for name, dataDir := range dataDirs {
		c, ok := p.Services[name]
		if !ok {
			t.Errorf("no service %q", name)
			continue
		}
		if !slices.ContainsFunc(c.Volumes, func(v install.ServiceVolume) bool {
			_, declared := p.Volumes[v.Source]
			return v.Type == "volume" && v.Target == dataDir && declared
		}) {
			t.Errorf("%s: no named volume at %s", name, dataDir)
		}
		if c.HealthCheck == nil || c.HealthCheck.Disable || len(c.HealthCheck.Test) < 2 {
			t.Errorf("%s: no healthcheck", name)
		}
	}
	for _, name := range nodes {
		checkNATSNode(t, name, p.Services[name], len(nodes))
	}
}

// checkNATSNode: JetStream on, storing in the volume, monitoring on the
// port the probe asks; in a cluster, a server name of its own and routes
// to every node.
func checkNATSNode(t *testing.T, name string, nats install.Service, nodes int) {
	t.Helper()
	cmd := nats.Command
	for _, want := range [][2]string{{"-sd", "/data"}, {"-m", "8222"}} {
		if i := slices.Index(cmd, want[0]); i < 0 || i+1 >= len(cmd) || cmd[i+1] != want[1] {
			t.Errorf("%s: command %v lacks %s %s", name, cmd, want[0], want[1])
		}
	}
	if !slices.Contains(cmd, "-js") {
		t.Errorf("%s: command %v does not enable JetStream (-js)", name, cmd)
	}
	if nodes > 1 {
		if i := slices.Index(cmd, "--server_name"); i < 0 || i+1 >= len(cmd) || cmd[i+1] != name {
			t.Errorf("%s: command %v does not name the server %s", name, cmd, name)
		}
		if i := slices.Index(cmd, "--routes"); i < 0 || i+1 >= len(cmd) || len(strings.Split(cmd[i+1], ",")) != nodes {
			t.Errorf("%s: command %v does not route to all %d nodes", name, cmd, nodes)
		}
	}
	if hc := nats.HealthCheck; hc != nil && !slices.ContainsFunc(hc.Test, func(s string) bool {
		u, err := url.Parse(s)
		return err == nil && u.Port() == "8222" && path.Clean(u.Path) == "/healthz"
	}) {
		t.Errorf("%s: healthcheck %v does not probe /healthz on the monitoring port", name, hc.Test)
	}
}
