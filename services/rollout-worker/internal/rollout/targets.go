package rollout

import "slipway.dev/pkg/events"

// Catalog is what the worker knows of its targets, as plain data.
type Catalog struct {
	Default string
	Targets map[string]TargetEntry
}

// TargetEntry describes one target for decisions.
type TargetEntry struct {
	Info          events.TargetInfo // ObjectName is empty here; decisions fill it in
	InstanceTypes map[string]bool
}
