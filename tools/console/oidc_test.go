package console

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"slipway.dev/cmd/slipway/devstack"
	"slipway.dev/services/api"
	"slipway.dev/testsupport/devstacktest"
	"slipway.dev/testsupport/oidctest"
)

// TestSignInWithOIDC: the console signs in through the api's OIDC issuer
// (authorization code with PKCE), the ID token leaves no trace in the
// address bar, and the user's roles come from the policy.
func TestSignInWithOIDC(t *testing.T) {
	b := browser(t)
	iss := oidctest.New(t)
	iss.SignInAs(oidctest.Claims{Subject: "ada", Email: "ada@acme.example"})
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(policy, []byte("bindings:\n  - subjects: [user:ada@acme.example]\n"+
		"    grants: [{project: acme/fraud, role: deployer}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	o := devstack.Options{ClusterMode: devstack.ClusterSimulated, Auth: &api.AuthConfig{AdminToken: api.GenerateToken(), PolicyFile: policy}}
	o.Auth.OIDC.IssuerURL, o.Auth.OIDC.Audience = iss.URL, "slipway-console"
	s := devstacktest.Start(t, o)
	page := tab(t, b)
	run(t, page, chromedp.Navigate(s.URL+"/ui/#/audit"))
	waitText(t, page, ".signin", 10*time.Second, "Sign in with 127.0.0.1")
	run(t, page, click(".signin .oidc button"))
	waitText(t, page, "#who", 10*time.Second, "user:ada@acme.example", "Sign out")
	// Back on the page the sign-in started from, with the code gone from
	// the address bar.
	waitText(t, page, "main h1", 5*time.Second, "Audit log")
	if url := evalJS[string](t, page, "location.href"); url != s.URL+"/ui/#/audit" {
		t.Errorf("after sign-in the address is %s", url)
	}
	// A deployer on acme/fraud may not create there (admin), so the fleet
	// offers no New deployment.
	run(t, page, chromedp.Navigate(s.URL+"/ui/#/"))
	waitText(t, page, "main h1", 5*time.Second, "Fleet")
	if exists(t, page, `a[href="#/new"]`) {
		t.Error("a deployer is offered New deployment")
	}
}
