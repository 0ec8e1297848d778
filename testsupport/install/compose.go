package install

import (
	"encoding/json"
	"testing"
)

// Project is what tests read of a Compose project as compose-go loads it
// (interpolated with every ${VAR:-default} at its default, normalized,
// validated against the Compose schema, paths resolved).
type Project struct {
	Name     string                    `json:"name"`
	Services map[string]Service        `json:"services"`
	Secrets  map[string]ProjectSecret  `json:"secrets"`
	Volumes  map[string]map[string]any `json:"volumes"`
}

// Service is one service of a Project.
type Service struct {
	Image       string             `json:"image"`
	Command     []string           `json:"command"`
	Environment map[string]*string `json:"environment"`
	HealthCheck *HealthCheck       `json:"healthcheck"`
	Secrets     []ServiceSecret    `json:"secrets"`
	Volumes     []ServiceVolume    `json:"volumes"`
	User        string             `json:"user"`
	DependsOn   map[string]struct {
		Condition string `json:"condition"`
	} `json:"depends_on"`
}

// HealthCheck is a service's healthcheck.
type HealthCheck struct {
	Test     []string `json:"test"`
	Interval string   `json:"interval"`
	Timeout  string   `json:"timeout"`
	Retries  int      `json:"retries"`
	Disable  bool     `json:"disable"`
}

// ServiceSecret is a secret mounted into a service (at Target, a path).
type ServiceSecret struct {
	Source string `json:"source"`
	Target string `json:"target"`
}

// ServiceVolume is a volume or bind mount of a service.
type ServiceVolume struct {
	Type     string `json:"type"`
	Source   string `json:"source"`
	Target   string `json:"target"`
	ReadOnly bool   `json:"read_only"`
	Bind     *struct {
		CreateHostPath bool `json:"create_host_path"`
	} `json:"bind"`
}

// ProjectSecret is a top-level secret: the file it is read from.
type ProjectSecret struct {
	File        string `json:"file"`
	Environment string `json:"environment"`
}

// Compose loads docker-compose.yaml with compose-go, failing t on any
// error the loader reports.
func Compose(t testing.TB) Project {
	t.Helper()
	out, err := run(t, "compose", ComposeFile)
	if err != nil {
		t.Fatal(err)
	}
	var p Project
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("install: compose project: %v", err)
	}
	return p
}
