// Package follow keeps a service's targets in step with the targets
// registered through the API: it watches the catalogue bucket and connects
// to, reconnects to or drops registered targets without a restart.
package follow

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/kube"
)

// connectTimeout bounds building one target's client (reading its
// kubeconfig Secret from the home cluster).
const connectTimeout = 10 * time.Second

// Buckets opens key-value buckets (a *bus.Conn).
type Buckets interface {
	KeyValue(ctx context.Context, bucket string) (jetstream.KeyValue, error)
}

// Change reports a registered target added or replaced (t) or removed (t nil).
type Change func(name string, t *kube.Target)

// Targets watches the catalogue bucket and applies the API-registered
// targets to ts: connected with conn, replaced when their registration
// changes, removed when it is. Configured targets are never touched. A
// target whose kubeconfig cannot be read is kept without a client (its
// ConnectErr says why), so it is known and shows as unreachable. Targets
// returns once the bucket's current registrations are applied; the watch
// goes on until ctx ends. onChange, when set, is called after each change,
// from one goroutine.
func Targets(ctx context.Context, b Buckets, ts *kube.Targets, conn kube.Connector, onChange Change, log *slog.Logger) error {
	kv, err := b.KeyValue(ctx, events.BucketTargets)
	if err != nil {
		return fmt.Errorf("targets bucket: %w", err)
	}
	w, err := kv.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("watch targets: %w", err)
	}
	f := &follower{ts: ts, conn: conn, onChange: onChange, log: log, applied: map[string][]byte{}}
	for e := range w.Updates() {
		if e == nil {
			break // the current values are applied
		}
		f.apply(ctx, e)
	}
	go func() {
		defer func() { _ = w.Stop() }()
		for e := range w.Updates() {
			if e != nil {
				f.apply(ctx, e)
			}
		}
	}()
	return nil
}

type follower struct {
	ts       *kube.Targets
	conn     kube.Connector
	onChange Change
	log      *slog.Logger
	// applied is the registration each registered target was built from.
	applied map[string][]byte
}

func (f *follower) apply(ctx context.Context, e jetstream.KeyValueEntry) {
	name := e.Key()
	var rec events.TargetRecord
	if e.Operation() == jetstream.KeyValuePut && json.Unmarshal(e.Value(), &rec) == nil && rec.FromAPI() && rec.Connection != nil {
		if bytes.Equal(f.applied[name], e.Value()) {
			return
		}
		f.put(ctx, rec, e.Value())
		return
	}
	if f.ts.Remove(name) {
		delete(f.applied, name)
		f.log.InfoContext(ctx, "registered target dropped", "target", name)
		f.changed(name, nil)
	}
}

func (f *follower) put(ctx context.Context, rec events.TargetRecord, raw []byte) {
	spec := events.TargetSpec{Name: rec.Name, Region: rec.Region, Namespace: rec.Namespace, BaseURL: rec.BaseURL,
		InstanceTypes: rec.InstanceTypes, Connection: *rec.Connection, Routing: rec.Routing,
		PrometheusURL: rec.PrometheusURL}
	cctx, cancel := context.WithTimeout(ctx, connectTimeout)
	t, err := f.conn.Connect(cctx, spec)
	cancel()
	if err != nil {
		f.log.WarnContext(ctx, "registered target has no client", "target", rec.Name, "err", kube.SafeError(err))
		t = unusable(spec, err)
	}
	if err := f.ts.Put(t); err != nil {
		f.log.WarnContext(ctx, "registered target ignored", "target", rec.Name, "err", err)
		return
	}
	f.applied[rec.Name] = raw
	f.log.InfoContext(ctx, "registered target connected", "target", rec.Name, "connection", spec.Connection.String())
	f.changed(rec.Name, t)
}

func (f *follower) changed(name string, t *kube.Target) {
	if f.onChange != nil {
		f.onChange(name, t)
	}
}

// unusable is a registered target whose client fails every call with err
// (never nil, so no caller has to guard against it).
func unusable(spec events.TargetSpec, err error) *kube.Target {
	types := make(map[string]kube.InstanceType, len(spec.InstanceTypes))
	for k, v := range spec.InstanceTypes {
		types[k] = kube.InstanceType(v)
	}
	return &kube.Target{TargetConfig: kube.TargetConfig{Name: spec.Name, Region: spec.Region, Namespace: spec.Namespace,
		BaseURL: spec.BaseURL, InstanceTypes: types, Routing: spec.Routing, PrometheusURL: spec.PrometheusURL}, Registered: true, Connection: spec.Connection, ConnectErr: err,
		Client: failing(err)}
}

// failing is a client whose every request fails with err.
func failing(err error) kubernetes.Interface {
	cl, _ := kubernetes.NewForConfig(&rest.Config{Host: "https://unconnected.invalid",
		Transport: roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, err })})
	return cl
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
