package access

import (
	"testing"

	"slipway.dev/pkg/events"
)

func TestRolesAndGrants(t *testing.T) {
	p := Principal{Grants: []events.Grant{{Project: "acme/*", Role: "viewer"}, {Project: "acme/fraud", Role: "admin"}}}
	for _, c := range []struct {
		project string
		want    Role
	}{{"acme/fraud", Admin}, {"acme/search", Viewer}, {"globex/fraud", None}, {"acmecorp/x", None}} {
		if got := p.RoleIn(c.project); got != c.want {
			t.Errorf("RoleIn(%s) = %s, want %s", c.project, got, c.want)
		}
	}
	for _, c := range []struct {
		g    events.Grant
		want bool
	}{
		{events.Grant{Project: "acme/fraud", Role: "deployer"}, true},
		{events.Grant{Project: "acme/fraud", Role: "admin"}, true},
		{events.Grant{Project: "acme/search", Role: "viewer"}, false}, // viewer there, not admin
		{events.Grant{Project: "acme/*", Role: "viewer"}, false},
	} {
		if got := p.Covers(c.g); got != c.want {
			t.Errorf("Covers(%+v) = %v, want %v", c.g, got, c.want)
		}
	}
	for _, bad := range []events.Grant{{Project: "acme", Role: "viewer"}, {Project: "acme/fraud", Role: "owner"}, {Project: "*/*", Role: "admin"}, {Project: "Acme/x", Role: "admin"}} {
		if ValidateGrant(bad) == nil {
			t.Errorf("ValidateGrant(%+v) accepted", bad)
		}
	}
}
