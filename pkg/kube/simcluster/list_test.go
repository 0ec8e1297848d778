package simcluster

import (
	"fmt"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestListBySelector: a list by label selector answers what the API server
// would (the selected objects of the namespace, in name order, each a copy
// the caller may change), and a changed or deleted object's labels count
// as they are now.
func TestListBySelector(t *testing.T) {
	ctx := guard(t)
	c := New(Options{}).Client()
	for _, ns := range []string{"ns", "other"} {
		for i := range 10 {
			d := newDeployment(1, rolling("1", "0"))
			d.ObjectMeta = objectMeta(i)
			d.Namespace = ns
			if _, err := c.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	deps := c.AppsV1().Deployments("ns")
	moved, err := deps.Get(ctx, "o-00002", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	moved.Labels["half"] = "1"
	if _, err := deps.Update(ctx, moved, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := deps.Delete(ctx, "o-00003", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	names := func(l *appsv1.DeploymentList) []string {
		var out []string
		for _, d := range l.Items {
			out = append(out, d.Namespace+"/"+d.Name)
		}
		return out
	}
	for _, tc := range []struct {
		ns, selector string
		want         []string
	}{
		{"ns", "half=1", []string{"ns/o-00001", "ns/o-00002", "ns/o-00005", "ns/o-00007", "ns/o-00009"}},
		{"ns", "half in (0),half!=1", []string{"ns/o-00000", "ns/o-00004", "ns/o-00006", "ns/o-00008"}},
		{"", "half=0", []string{"ns/o-00000", "ns/o-00004", "ns/o-00006", "ns/o-00008",
			"other/o-00000", "other/o-00002", "other/o-00004", "other/o-00006", "other/o-00008"}},
		{"ns", "absent=x", nil},
	} {
		list, err := c.AppsV1().Deployments(tc.ns).List(ctx, metav1.ListOptions{LabelSelector: tc.selector})
		if err != nil {
			t.Fatal(err)
		}
		if got := names(list); !slices.Equal(got, tc.want) {
			t.Errorf("List(%q, %q) = %v, want %v", tc.ns, tc.selector, got, tc.want)
		}
		if list.ResourceVersion == "" {
			t.Errorf("List(%q, %q): no resourceVersion to watch from", tc.ns, tc.selector)
		}
		for i := range list.Items { // the caller's own copies
			list.Items[i].Labels["half"] = "changed"
		}
	}
	again, err := deps.List(ctx, metav1.ListOptions{LabelSelector: "half=1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Items) != 5 {
		t.Errorf("after changing listed copies: %d selected, want 5 (the store's objects unchanged)", len(again.Items))
	}
	all, err := deps.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(len(all.Items)); got != "9" {
		t.Errorf("List without a selector: %s items, want 9", got)
	}
}
