// Package oidctest is an OpenID Connect issuer for tests: discovery, a JWKS
// endpoint and ID tokens signed with its RSA key, plus tokens that must be
// refused (expired, signed with another key, from another issuer), and the
// authorization code flow with PKCE for browser sign-ins (SignInAs).
package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Issuer serves discovery and keys on a loopback URL until the test ends.
type Issuer struct {
	URL     string
	key     *rsa.PrivateKey
	foreign *rsa.PrivateKey
	t       testing.TB
	codes   codes
}

// New starts an issuer.
func New(t testing.TB) *Issuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	iss := &Issuer{key: key, foreign: foreign, t: t, codes: codes{pending: map[string]grant{}}}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	iss.URL = srv.URL
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*") // browsers discover it from the page, as from real issuers
		writeJSON(w, map[string]any{"issuer": iss.URL, "jwks_uri": iss.URL + "/keys", "authorization_endpoint": iss.URL + "/auth",
			"token_endpoint": iss.URL + "/token", "id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	mux.HandleFunc("/auth", iss.authorize)
	mux.HandleFunc("/token", iss.token)
	mux.HandleFunc("/keys", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	return iss
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// Claims of an ID token; zero Expiry means an hour from now.
type Claims struct {
	Subject  string
	Email    string
	Groups   []string
	Audience string
	Issuer   string // default: the issuer's URL
	Expiry   time.Time
}

// Token signs claims with the issuer's key.
func (i *Issuer) Token(c Claims) string { return i.sign(i.key, c) }

// Forged signs claims with a key the issuer never published.
func (i *Issuer) Forged(c Claims) string { return i.sign(i.foreign, c) }

func (i *Issuer) sign(key *rsa.PrivateKey, c Claims) string {
	i.t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		i.t.Fatal(err)
	}
	if c.Issuer == "" {
		c.Issuer = i.URL
	}
	if c.Expiry.IsZero() {
		c.Expiry = time.Now().Add(time.Hour)
	}
	std := jwt.Claims{Issuer: c.Issuer, Subject: c.Subject, Audience: jwt.Audience{c.Audience}, Expiry: jwt.NewNumericDate(c.Expiry),
		IssuedAt: jwt.NewNumericDate(time.Now().Add(-time.Minute)), NotBefore: jwt.NewNumericDate(time.Now().Add(-time.Minute))}
	extra := map[string]any{"email": c.Email, "groups": c.Groups}
	raw, err := jwt.Signed(signer).Claims(std).Claims(extra).Serialize()
	if err != nil {
		i.t.Fatal(err)
	}
	return raw
}
