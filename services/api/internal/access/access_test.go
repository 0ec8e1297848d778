package access_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"slipway.dev/pkg/embedded/embeddedtest"
	"slipway.dev/pkg/events"
	"slipway.dev/services/api/internal/access"
	"slipway.dev/services/api/internal/fault"
	"slipway.dev/testsupport/oidctest"
)

func tokenStore(t *testing.T) *access.TokenStore {
	t.Helper()
	b, _ := embeddedtest.NATS(t)
	s, err := access.OpenTokenStore(t.Context(), b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func bearer(raw string) *http.Request {
	r, _ := http.NewRequest(http.MethodGet, "http://api/v1/whoami", nil)
	if raw != "" {
		r.Header.Set("Authorization", "Bearer "+raw)
	}
	return r
}

func TestAPITokens(t *testing.T) {
	s := tokenStore(t)
	ctx := t.Context()
	soon := time.Now().Add(time.Hour)
	tok, raw, err := s.Create(ctx, access.NewToken{Name: "ci", Grants: []events.Grant{{Project: "acme/fraud", Role: "deployer"}},
		ExpiresAt: &soon, CreatedBy: "user:ada"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(raw, access.TokenPrefix) || strings.Contains(tok.Hash, raw) || tok.Hash == "" {
		t.Fatalf("token %q, hash %q", raw, tok.Hash)
	}
	stored, err := s.Get(ctx, tok.ID)
	if err != nil || stored.Hash != tok.Hash || strings.Contains(stored.Hash, strings.Split(raw, "_")[2]) {
		t.Fatalf("stored %+v, %v", stored, err)
	}
	a := &access.Authenticator{Tokens: s}
	p, err := a.Authenticate(ctx, bearer(raw))
	if err != nil || p.Actor() != "token:ci("+tok.ID+")" || !p.Can(access.Deployer, "acme/fraud") || p.Can(access.Admin, "acme/fraud") {
		t.Fatalf("principal %+v, %v", p, err)
	}
	for name, bad := range map[string]string{
		"none":          "",
		"forged secret": raw[:len(raw)-4] + "aaaa",
		"unknown id":    access.GenerateToken(),
		"not a token":   "hello",
		"only a prefix": access.TokenPrefix,
	} {
		if _, err := a.Authenticate(ctx, bearer(bad)); !errors.Is(err, access.ErrUnauthenticated) {
			t.Errorf("%s: %v, want ErrUnauthenticated", name, err)
		}
	}
	if _, err := s.Revoke(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, bearer(raw)); !errors.Is(err, access.ErrUnauthenticated) {
		t.Errorf("revoked token: %v, want ErrUnauthenticated on the very next request", err)
	}
	past := time.Now().Add(-time.Second)
	_, expired, err := s.Create(ctx, access.NewToken{Name: "old", GlobalAdmin: true, ExpiresAt: &past})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, bearer(expired)); !errors.Is(err, access.ErrUnauthenticated) {
		t.Errorf("expired token: %v", err)
	}
	if _, _, err := s.Create(ctx, access.NewToken{Name: "x", Grants: []events.Grant{{Project: "acme", Role: "owner"}}}); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("bad grant accepted: %v", err)
	}
}

func TestBootstrapToken(t *testing.T) {
	s := tokenStore(t)
	ctx := t.Context()
	raw := access.GenerateToken()
	if err := s.EnsureBootstrap(ctx, raw); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureBootstrap(ctx, raw); err != nil { // restart: unchanged
		t.Fatal(err)
	}
	a := &access.Authenticator{Tokens: s}
	if p, err := a.Authenticate(ctx, bearer(raw)); err != nil || !p.GlobalAdmin {
		t.Fatalf("bootstrap token: %+v, %v", p, err)
	}
	if err := s.EnsureBootstrap(ctx, "slw_short_x"); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("weak bootstrap token accepted: %v", err)
	}
}

func TestOIDC(t *testing.T) {
	iss := oidctest.New(t)
	policy := access.Policy{GlobalAdmins: []string{"user:root@acme.example"},
		Bindings: []access.Binding{{Subjects: []string{"group:fraud-team"}, Grants: []events.Grant{{Project: "acme/fraud", Role: "deployer"}}}}}
	o, err := access.NewOIDC(t.Context(), access.OIDCConfig{IssuerURL: iss.URL, Audience: "slipway"}, policy)
	if err != nil {
		t.Fatal(err)
	}
	a := &access.Authenticator{OIDC: o}
	ctx := t.Context()
	alice := oidctest.Claims{Subject: "u1", Email: "alice@acme.example", Groups: []string{"fraud-team"}, Audience: "slipway"}
	p, err := a.Authenticate(ctx, bearer(iss.Token(alice)))
	if err != nil || p.Actor() != "user:alice@acme.example" || !p.Can(access.Deployer, "acme/fraud") || p.GlobalAdmin {
		t.Fatalf("alice: %+v, %v", p, err)
	}
	root := oidctest.Claims{Subject: "u0", Email: "root@acme.example", Audience: "slipway"}
	if p, err := a.Authenticate(ctx, bearer(iss.Token(root))); err != nil || !p.GlobalAdmin {
		t.Fatalf("root: %+v, %v", p, err)
	}
	expired, wrongIssuer, wrongAudience := alice, alice, alice
	expired.Expiry = time.Now().Add(-time.Minute)
	wrongIssuer.Issuer = "https://evil.example"
	wrongAudience.Audience = "another-app"
	for name, raw := range map[string]string{
		"expired":        iss.Token(expired),
		"forged":         iss.Forged(alice),
		"wrong issuer":   iss.Token(wrongIssuer),
		"wrong audience": iss.Token(wrongAudience),
		"tampered":       tamper(iss.Token(alice)),
	} {
		if _, err := a.Authenticate(ctx, bearer(raw)); !errors.Is(err, access.ErrUnauthenticated) {
			t.Errorf("%s token: %v, want ErrUnauthenticated", name, err)
		}
	}
}

// tamper swaps the payload for one granting more, keeping the signature.
func tamper(raw string) string {
	parts := strings.Split(raw, ".")
	parts[1] = parts[1][:len(parts[1])-2] + "AA"
	return strings.Join(parts, ".")
}

func TestDisabledAuthStillNamesValidCallers(t *testing.T) {
	s := tokenStore(t)
	_, raw, err := s.Create(t.Context(), access.NewToken{Name: "ci", GlobalAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	a := &access.Authenticator{Tokens: s, Disabled: true}
	if p, _ := a.Authenticate(t.Context(), bearer("")); p.Subject != access.Anonymous.Subject {
		t.Errorf("no credentials: %+v", p)
	}
	if p, _ := a.Authenticate(t.Context(), bearer(raw)); p.Name != "ci" {
		t.Errorf("valid token: %+v", p)
	}
}

func TestLimiter(t *testing.T) {
	l := access.NewLimiter(1, 3)
	for i := range 3 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	if ok, wait := l.Allow("a"); ok || wait <= 0 || wait > time.Second {
		t.Fatalf("4th request: ok=%v wait=%v", ok, wait)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Fatal("another caller shares the bucket")
	}
	var unlimited *access.Limiter
	if ok, _ := unlimited.Allow("a"); !ok {
		t.Fatal("a nil limiter refused")
	}
}
