package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	"k8s.io/client-go/kubernetes"

	"slipway.dev/testsupport/kubeplane"
)

// deployWatcher watches a namespace's Deployments and records, per
// Deployment, when its current generation was first seen and when the
// `kubectl rollout status` rule first held for it.
type deployWatcher struct {
	cs kubernetes.Interface
	ns string

	mu      sync.Mutex
	objs    map[string]*appsv1.Deployment
	genAt   map[string]time.Time // when objs[name].Generation was first seen
	doneAt  map[string]time.Time // when the rollout of that generation was first seen done
	changed chan struct{}        // closed on every change
}

// watchDeployments starts a watcher; it stops when ctx ends.
func watchDeployments(ctx context.Context, cs kubernetes.Interface, ns string) (*deployWatcher, error) {
	w := &deployWatcher{cs: cs, ns: ns, objs: map[string]*appsv1.Deployment{}, genAt: map[string]time.Time{},
		doneAt: map[string]time.Time{}, changed: make(chan struct{})}
	rv, err := w.list(ctx)
	if err != nil {
		return nil, err
	}
	go w.loop(ctx, rv)
	return w, nil
}

func (w *deployWatcher) list(ctx context.Context) (string, error) {
	list, err := w.cs.AppsV1().Deployments(w.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return "", fmt.Errorf("list deployments: %w", err)
	}
	for i := range list.Items {
		w.observe(&list.Items[i])
	}
	return list.ResourceVersion, nil
}

// loop watches from rv, watching again when the watch ends and listing
// again when rv is too old.
func (w *deployWatcher) loop(ctx context.Context, rv string) {
	for ctx.Err() == nil {
		wi, err := w.cs.AppsV1().Deployments(w.ns).Watch(ctx, metav1.ListOptions{ResourceVersion: rv})
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		for ev := range wi.ResultChan() {
			switch d := ev.Object.(type) {
			case *appsv1.Deployment:
				if ev.Type != watch.Deleted {
					w.observe(d)
				}
				rv = d.ResourceVersion
			case *metav1.Status:
				if apierrors.IsResourceExpired(&apierrors.StatusError{ErrStatus: *d}) || d.Code == 410 {
					if next, err := w.list(ctx); err == nil {
						rv = next
					}
				}
			}
		}
		wi.Stop()
	}
}

func (w *deployWatcher) observe(d *appsv1.Deployment) {
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	prev := w.objs[d.Name]
	if prev == nil || d.Generation > prev.Generation {
		w.genAt[d.Name] = now
		delete(w.doneAt, d.Name)
	}
	if prev != nil && d.Generation < prev.Generation {
		return // an older state delivered late
	}
	w.objs[d.Name] = d
	if _, ok := w.doneAt[d.Name]; !ok {
		if done, _, _ := kubeplane.RolloutStatus(d); done {
			w.doneAt[d.Name] = now
		}
	}
	close(w.changed)
	w.changed = make(chan struct{})
}

// generation returns the generation last seen of name (0: none yet).
func (w *deployWatcher) generation(name string) int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	if d := w.objs[name]; d != nil {
		return d.Generation
	}
	return 0
}

// waitGeneration waits until name reaches generation gen and returns when
// that generation was first seen.
func (w *deployWatcher) waitGeneration(ctx context.Context, name string, gen int64) (time.Time, error) {
	return w.wait(ctx, name, gen, false)
}

// waitDone waits until name's rollout of generation gen or later is done
// and returns when it was first seen done.
func (w *deployWatcher) waitDone(ctx context.Context, name string, gen int64) (time.Time, error) {
	return w.wait(ctx, name, gen, true)
}

func (w *deployWatcher) wait(ctx context.Context, name string, gen int64, done bool) (time.Time, error) {
	for {
		w.mu.Lock()
		d, ch := w.objs[name], w.changed
		at, ok := w.genAt[name]
		if done {
			at, ok = w.doneAt[name]
		}
		w.mu.Unlock()
		if d != nil && d.Generation >= gen && ok {
			return at, nil
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("deployment %s generation %d (done=%t): %w", name, gen, done, ctx.Err())
		case <-ch:
		}
	}
}

// directApply server-side-applies a Deployment shaped like template (a
// Deployment Slipway rendered) under name, with selector and pod labels of
// its own so neither Slipway nor its monitor claims it; edit changes the
// apply configuration before it is sent.
func directApply(ctx context.Context, cs kubernetes.Interface, template *appsv1.Deployment, name string,
	edit func(*corev1ac.ContainerApplyConfiguration)) error {
	raw, err := json.Marshal(template.Spec)
	if err != nil {
		return err
	}
	var spec appsv1ac.DeploymentSpecApplyConfiguration
	if err := json.Unmarshal(raw, &spec); err != nil {
		return err
	}
	labels := map[string]string{"bench.slipway.dev/direct": name}
	spec.Selector = metav1ac.LabelSelector().WithMatchLabels(labels)
	spec.Template.Labels = labels
	if len(spec.Template.Spec.Containers) == 0 {
		return fmt.Errorf("deployment %s has no containers", template.Name)
	}
	edit(&spec.Template.Spec.Containers[0])
	ac := appsv1ac.Deployment(name, template.Namespace).WithLabels(labels)
	ac.Spec = &spec
	_, err = cs.AppsV1().Deployments(template.Namespace).Apply(ctx, ac, metav1.ApplyOptions{FieldManager: "slipway-bench", Force: true})
	return err
}

// setEnv sets one environment variable of a container.
func setEnv(c *corev1ac.ContainerApplyConfiguration, name, value string) {
	for i := range c.Env {
		if c.Env[i].Name != nil && *c.Env[i].Name == name {
			c.Env[i].Value = &value
			return
		}
	}
	c.WithEnv(corev1ac.EnvVar().WithName(name).WithValue(value))
}

// waitAll waits until the rollout of generation want[name] or later of
// every Deployment named in want is done, or until ctx ends, and returns
// when the last one was first seen done and how many are not done. It
// checks at most every 100 ms, so a fleet costs one pass per check, not
// one waiter per Deployment; the times are the watch's, not the check's.
func (w *deployWatcher) waitAll(ctx context.Context, want map[string]int64) (last time.Time, pending int) {
	for {
		w.mu.Lock()
		last, pending = time.Time{}, 0
		for name, gen := range want {
			d := w.objs[name]
			at, ok := w.doneAt[name]
			if d == nil || d.Generation < gen || !ok {
				pending++
				continue
			}
			if at.After(last) {
				last = at
			}
		}
		ch := w.changed
		w.mu.Unlock()
		if pending == 0 || ctx.Err() != nil {
			return last, pending
		}
		select {
		case <-ctx.Done():
		case <-ch:
		}
		_ = pause(ctx, 100*time.Millisecond)
	}
}

// snapshot returns the Deployments seen, by name.
func (w *deployWatcher) snapshot() map[string]*appsv1.Deployment {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[string]*appsv1.Deployment, len(w.objs))
	for k, v := range w.objs {
		out[k] = v
	}
	return out
}
