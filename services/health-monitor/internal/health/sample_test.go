package health

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"slipway.dev/pkg/kube"
)

type podOpt func(*corev1.Pod)

func pod(name, rev string, opts ...podOpt) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{kube.LabelRevision: rev}}}
	p.Status.Phase = corev1.PodRunning
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "model"}}
	for _, o := range opts {
		o(p)
	}
	return p
}

func ready(p *corev1.Pod) {
	p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue})
}

func waitingIn(reason string) podOpt {
	return func(p *corev1.Pod) {
		p.Status.ContainerStatuses[0].State.Waiting = &corev1.ContainerStateWaiting{Reason: reason}
	}
}

func restarts(n int32) podOpt {
	return func(p *corev1.Pod) { p.Status.ContainerStatuses[0].RestartCount = n }
}

func pending(p *corev1.Pod) {
	p.Status.Phase = corev1.PodPending
	p.Status.ContainerStatuses = nil
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable"}}
}

func deleting(p *corev1.Pod) { p.DeletionTimestamp = &metav1.Time{} }

func TestSummarizePods(t *testing.T) {
	pods := []*corev1.Pod{
		pod("a", "1", ready, restarts(1)),
		pod("b", "1", ready, restarts(3)), // restarted since the previous sample
		pod("c", "2", waitingIn("CrashLoopBackOff"), restarts(4)),
		pod("d", "3", waitingIn("CrashLoopBackOff")),
		pod("e", "2", waitingIn("ImagePullBackOff")),
		pod("f", "2", waitingIn("ErrImagePull")),
		pod("g", "2", pending),
		pod("h", "x", pending),
		pod("i", "1", deleting, waitingIn("CrashLoopBackOff")),
		pod("j", "2", restarts(2)), // not seen before: no increase known
	}
	prev := map[string]int32{"a": 1, "b": 2, "gone": 7}
	got, next := SummarizePods(pods, prev)
	want := Pods{Total: 9, Ready: 2,
		CrashLooping:  Failing{Count: 3, Revisions: []int{1, 2, 3}},
		ImagePull:     Failing{Count: 2, Revisions: []int{2}},
		Unschedulable: Failing{Count: 2, Revisions: []int{0, 2}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("summary\n got %+v\nwant %+v", got, want)
	}
	wantNext := map[string]int32{"a": 1, "b": 3, "c": 4, "d": 0, "e": 0, "f": 0, "g": 0, "h": 0, "j": 2}
	if !reflect.DeepEqual(next, wantNext) {
		t.Fatalf("restart counts %v, want %v", next, wantNext)
	}
}

func TestSummarizeEndpoints(t *testing.T) {
	yes, no := true, false
	slice := func(family discoveryv1.AddressType, ready ...*bool) *discoveryv1.EndpointSlice {
		s := &discoveryv1.EndpointSlice{AddressType: family}
		for _, r := range ready {
			s.Endpoints = append(s.Endpoints, discoveryv1.Endpoint{Conditions: discoveryv1.EndpointConditions{Ready: r}})
		}
		return s
	}
	tests := []struct {
		name   string
		slices []*discoveryv1.EndpointSlice
		want   Endpoints
	}{
		{"no slice", nil, Endpoints{}},
		{"empty slice", []*discoveryv1.EndpointSlice{slice(discoveryv1.AddressTypeIPv4)}, Endpoints{Known: true}},
		{"ready, unset and unready", []*discoveryv1.EndpointSlice{slice(discoveryv1.AddressTypeIPv4, &yes, nil, &no)}, Endpoints{Known: true, Ready: 2}},
		{"two slices", []*discoveryv1.EndpointSlice{slice(discoveryv1.AddressTypeIPv4, &yes), slice(discoveryv1.AddressTypeIPv4, &yes, &no)},
			Endpoints{Known: true, Ready: 2}},
		{"dual stack counts pods once", []*discoveryv1.EndpointSlice{slice(discoveryv1.AddressTypeIPv4, &yes, &yes), slice(discoveryv1.AddressTypeIPv6, &yes, &yes)},
			Endpoints{Known: true, Ready: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SummarizeEndpoints(tt.slices); got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
