package access

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// OIDCConfig says which issuer's ID tokens are accepted and how a token's
// claims name the user and their groups.
type OIDCConfig struct {
	IssuerURL string
	// Audience is the client id tokens must be issued for.
	Audience string
	// JWKSURL, when set, is where the issuer's keys are fetched, skipping
	// discovery (issuers not reachable at start, or without discovery).
	JWKSURL string
	// UsernameClaim names the user (default "email"; "sub" when absent).
	UsernameClaim string
	// GroupsClaim lists the user's groups (default "groups").
	GroupsClaim string
	// HTTPClient fetches discovery and keys (default: 10s timeout).
	HTTPClient *http.Client
}

// OIDC verifies bearer ID tokens: signature against the issuer's keys
// (fetched and rotated by go-oidc), issuer, audience and expiry.
type OIDC struct {
	verifier *oidc.IDTokenVerifier
	cfg      OIDCConfig
	policy   Policy
}

// NewOIDC sets up verification. Without JWKSURL it runs discovery against
// the issuer, so a wrong or unreachable issuer fails here, at start.
func NewOIDC(ctx context.Context, cfg OIDCConfig, policy Policy) (*OIDC, error) {
	if cfg.IssuerURL == "" || cfg.Audience == "" {
		return nil, fmt.Errorf("%w: OIDC needs an issuer URL and an audience (client id)", errInvalid)
	}
	if cfg.UsernameClaim == "" {
		cfg.UsernameClaim = "email"
	}
	if cfg.GroupsClaim == "" {
		cfg.GroupsClaim = "groups"
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	// The key set outlives this call: it refreshes keys on rotation.
	keyCtx := oidc.ClientContext(context.WithoutCancel(ctx), cfg.HTTPClient)
	vcfg := &oidc.Config{ClientID: cfg.Audience}
	if cfg.JWKSURL != "" {
		keys := oidc.NewRemoteKeySet(keyCtx, cfg.JWKSURL)
		return &OIDC{verifier: oidc.NewVerifier(cfg.IssuerURL, keys, vcfg), cfg: cfg, policy: policy}, nil
	}
	dctx, cancel := context.WithTimeout(oidc.ClientContext(ctx, cfg.HTTPClient), 15*time.Second)
	defer cancel()
	provider, err := oidc.NewProvider(dctx, cfg.IssuerURL)
	if err != nil {
		return nil, fmt.Errorf("oidc discovery at %s: %w", cfg.IssuerURL, err)
	}
	// Keys are fetched with keyCtx, not the discovery deadline.
	keys := oidc.NewRemoteKeySet(keyCtx, jwksOf(provider))
	return &OIDC{verifier: oidc.NewVerifier(cfg.IssuerURL, keys, vcfg), cfg: cfg, policy: policy}, nil
}

func jwksOf(p *oidc.Provider) string {
	var claims struct {
		JWKS string `json:"jwks_uri"`
	}
	_ = p.Claims(&claims)
	return claims.JWKS
}

// Authenticate verifies raw and maps its user and groups to grants.
func (o *OIDC) Authenticate(ctx context.Context, raw string) (Principal, error) {
	tok, err := o.verifier.Verify(ctx, raw)
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrUnauthenticated, err)
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return Principal{}, fmt.Errorf("%w: claims: %v", ErrUnauthenticated, err)
	}
	user, _ := claims[o.cfg.UsernameClaim].(string)
	if user == "" {
		user = tok.Subject
	}
	if user == "" || strings.ContainsAny(user, "\n\r") {
		return Principal{}, fmt.Errorf("%w: the token names no user", ErrUnauthenticated)
	}
	var groups []string
	if list, ok := claims[o.cfg.GroupsClaim].([]any); ok {
		for _, g := range list {
			if s, ok := g.(string); ok {
				groups = append(groups, s)
			}
		}
	}
	p := Principal{Subject: "oidc:" + user, Name: user, Method: "oidc", Groups: groups}
	p.GlobalAdmin, p.Grants = o.policy.For(user, groups)
	return p, nil
}
