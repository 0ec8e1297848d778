package cluster

import (
	"fmt"
	"regexp"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"slipway.dev/pkg/events"
	"slipway.dev/services/rollout-worker/internal/manifest"
)

var (
	fieldImage   = regexp.MustCompile(`^\.spec\.template\.spec\.containers\[name="` + manifest.ContainerName + `"\]\.image$`)
	fieldEnv     = regexp.MustCompile(`^\.spec\.template\.spec\.containers\[name="` + manifest.ContainerName + `"\]\.env\[name="([A-Za-z_][A-Za-z0-9_]*)"\]\.value$`)
	fieldCommand = regexp.MustCompile(`^\.spec\.template\.spec\.containers\[name="` + manifest.ContainerName + `"\]\.(command|args)$`)
)

// Adopt returns spec with the drifted fields taken from the live Deployment.
// Fields it cannot map back to the spec are returned as unadoptable; the
// caller then reports the drift instead of adopting part of it.
func Adopt(spec events.Spec, live *appsv1.Deployment, fields []string) (events.Spec, []string) {
	out := spec
	out.Env = make(map[string]string, len(spec.Env))
	for k, v := range spec.Env {
		out.Env[k] = v
	}
	c := modelContainer(live)
	var unadoptable []string
	for _, f := range fields {
		switch m := fieldEnv.FindStringSubmatch(f); {
		case f == ".spec.replicas" && live.Spec.Replicas != nil && spec.Scaling == nil:
			n := *live.Spec.Replicas
			out.Replicas = &n
		case fieldImage.MatchString(f) && c != nil:
			out.Image = c.Image
		case m != nil && c != nil && liveEnv(c, m[1]) != nil:
			out.Env[m[1]] = *liveEnv(c, m[1])
		case fieldCommand.MatchString(f) && c != nil:
			out.Command, out.Args = append([]string(nil), c.Command...), append([]string(nil), c.Args...)
		default:
			unadoptable = append(unadoptable, f)
		}
	}
	if len(out.Env) == 0 {
		out.Env = nil
	}
	return out, unadoptable
}

func modelContainer(d *appsv1.Deployment) *corev1.Container {
	for i := range d.Spec.Template.Spec.Containers {
		if d.Spec.Template.Spec.Containers[i].Name == manifest.ContainerName {
			return &d.Spec.Template.Spec.Containers[i]
		}
	}
	return nil
}

func liveEnv(c *corev1.Container, name string) *string {
	for _, e := range c.Env {
		if e.Name == name && e.ValueFrom == nil {
			v := e.Value
			return &v
		}
	}
	return nil
}

// AdoptMessage says what an adopted revision took from the cluster.
func AdoptMessage(d *Drift) string {
	return fmt.Sprintf("adopted from the cluster: %v changed by %v", d.Fields, d.Managers)
}
