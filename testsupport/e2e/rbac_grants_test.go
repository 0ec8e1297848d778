package e2e_test

// What rbac.yaml grants, what the audit log shows used, and whether each
// rule is needed: the comparison of TestServiceAccountsUseWhatRBACGrants.

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"slipway.dev/testsupport/apitest"
	"slipway.dev/testsupport/e2e"
	"slipway.dev/testsupport/kubeplane"
)

// grants are the verbs rbac.yaml's Roles give each ServiceAccount.
func grants(objs []*unstructured.Unstructured) map[grantUse]bool {
	roles := map[string][]rbacRule{}
	for _, o := range objs {
		if o.GetKind() == "Role" {
			roles[o.GetNamespace()+"/"+o.GetName()] = rulesOf(o)
		}
	}
	out := map[grantUse]bool{}
	for _, o := range objs {
		if o.GetKind() != "RoleBinding" {
			continue
		}
		role, _, _ := unstructured.NestedString(o.Object, "roleRef", "name")
		subjects, _, _ := unstructured.NestedSlice(o.Object, "subjects")
		for _, sub := range subjects {
			sa, _ := sub.(map[string]any)["name"].(string)
			for _, r := range roles[o.GetNamespace()+"/"+role] {
				for _, res := range r.resources {
					for _, v := range r.verbs {
						out[grantUse{sa, scopeOf(o.GetNamespace()), res, v}] = true
					}
				}
			}
		}
	}
	return out
}

func scopeOf(ns string) string {
	if ns == e2e.TargetSecretsNamespace {
		return "target-secrets"
	}
	return "target"
}

// rbacRule is one rule of a Role; resources are "resource.group" ("pods"
// for the core group).
type rbacRule struct {
	resources, verbs []string
}

func rulesOf(role *unstructured.Unstructured) []rbacRule {
	list, _, _ := unstructured.NestedSlice(role.Object, "rules")
	var out []rbacRule
	for _, item := range list {
		m := item.(map[string]any)
		var r rbacRule
		groups, _, _ := unstructured.NestedStringSlice(m, "apiGroups")
		resources, _, _ := unstructured.NestedStringSlice(m, "resources")
		r.verbs, _, _ = unstructured.NestedStringSlice(m, "verbs")
		for _, g := range groups {
			for _, res := range resources {
				r.resources = append(r.resources, qualified(res, g))
			}
		}
		out = append(out, r)
	}
	return out
}

func qualified(resource, group string) string {
	if group == "" {
		return resource
	}
	return resource + "." + group
}

// uses reads what the two ServiceAccounts did from began on, in the
// namespaces given (name -> scope). A request elsewhere, or refused, is a
// use too (of a grant that does not exist). A server-side apply that
// created its object (201) used create as well as patch: the API server
// authorizes both.
func uses(t *testing.T, auditLog string, began time.Time, scopes map[string]string) map[grantUse]bool {
	t.Helper()
	events, err := e2e.ReadAudit(auditLog)
	if err != nil {
		t.Fatal(err)
	}
	accounts := map[string]string{e2e.AccountUser(e2e.WorkerAccount): e2e.WorkerAccount, e2e.AccountUser(e2e.MonitorAccount): e2e.MonitorAccount}
	out := map[grantUse]bool{}
	for _, e := range events {
		sa, ok := accounts[e.User.Username]
		if !ok || e.Received.Before(began) {
			continue
		}
		if e.ObjectRef == nil {
			if e.Decision() != "allow" {
				t.Errorf("%s was refused %s %s", sa, e.Verb, e.URI)
			}
			continue // discovery and /version: every authenticated user may
		}
		// Tests run one at a time: a request from began on is this test's,
		// and one outside the Roles' namespaces (or cluster-wide) was never granted.
		scope, ok := scopes[e.ObjectRef.Namespace]
		if !ok {
			scope = "namespace " + e.ObjectRef.Namespace
			if e.ObjectRef.Namespace == "" {
				scope = "the whole cluster"
			}
		}
		res := qualified(e.ObjectRef.Resource, e.ObjectRef.APIGroup)
		if e.ObjectRef.Subresource != "" {
			res = qualified(e.ObjectRef.Resource+"/"+e.ObjectRef.Subresource, e.ObjectRef.APIGroup)
		}
		out[grantUse{sa, scope, res, e.Verb}] = true
		if e.Verb == "patch" && e.ResponseStatus != nil && e.ResponseStatus.Code == http.StatusCreated {
			out[grantUse{sa, scope, res, "create"}] = true
		}
	}
	return out
}

func sortedUses(m map[grantUse]bool) []grantUse {
	var out []grantUse
	for g := range m {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// eachRuleIsNeeded removes each rule of each Role in turn (in the
// namespace the scenario used, restoring it after) and checks with
// SubjectAccessReviews that some recorded use is then denied.
func eachRuleIsNeeded(t *testing.T, objs []*unstructured.Unstructured, used map[grantUse]bool, namespaces map[string]string) {
	t.Helper()
	plane := kubeplane.Shared(t)
	a, err := e2e.NewApplier(plane.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	for _, o := range objs {
		if o.GetKind() != "Role" {
			continue
		}
		role := o.DeepCopy()
		role.SetNamespace(namespaces[scopeOf(o.GetNamespace())])
		rules, _, _ := unstructured.NestedSlice(role.Object, "rules")
		restore := func() {
			if err := a.Apply(context.Background(), []*unstructured.Unstructured{role}); err != nil {
				t.Errorf("restore %s: %v", role.GetName(), err)
			}
		}
		t.Cleanup(restore) // also when a check fails half-way (slipway-targets outlives the test)
		for i := range rules {
			without := role.DeepCopy()
			_ = unstructured.SetNestedSlice(without.Object, slices.Delete(slices.Clone(rules), i, i+1), "rules")
			if err := a.Apply(ctx, []*unstructured.Unstructured{without}); err != nil {
				t.Fatal(err)
			}
			var checked []string
			denied := func() bool {
				checked = checked[:0]
				for g := range used {
					if scopeOf(o.GetNamespace()) != g.scope {
						continue
					}
					resource, group, _ := strings.Cut(g.resource, ".")
					ok, err := e2e.Allowed(ctx, plane.Client(), e2e.AccountUser(g.account), role.GetNamespace(), group, resource, g.verb)
					if err != nil {
						t.Fatal(err)
					}
					if !ok {
						checked = append(checked, g.String())
					}
				}
				return len(checked) > 0
			}
			apitest.Eventually(t, 30*time.Second, fmt.Sprintf("a use denied without rule %d of Role %s", i, o.GetName()), denied)
			t.Logf("without rule %d of Role %s (%v): denied %s", i, o.GetName(), rules[i].(map[string]any)["resources"], strings.Join(checked, ", "))
			restore()
		}
	}
}
