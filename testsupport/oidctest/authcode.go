package oidctest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"sync"
)

// grant is an authorization code waiting for its exchange.
type grant struct {
	clientID, redirectURI, challenge string
	claims                           Claims
}

// codes is the authorization code flow's state: who signs in, and the codes
// handed out and not yet exchanged.
type codes struct {
	mu      sync.Mutex
	user    *Claims
	pending map[string]grant
}

// SignInAs makes the issuer's authorization endpoint sign c in at once (no
// login form), as an issuer with an open session would: it redirects back
// with a code that the token endpoint exchanges for an ID token of c, for
// the client that asked (its client_id becomes the token's audience).
// Until it is called the endpoint answers access_denied.
func (i *Issuer) SignInAs(c Claims) {
	i.codes.mu.Lock()
	defer i.codes.mu.Unlock()
	i.codes.user = &c
}

// authorize is the authorization endpoint: the code flow with PKCE (S256
// only) and nothing else.
func (i *Issuer) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	back, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || back.Scheme == "" || q.Get("client_id") == "" {
		http.Error(w, "redirect_uri and client_id are required", http.StatusBadRequest)
		return
	}
	answer := back.Query()
	answer.Set("state", q.Get("state"))
	i.codes.mu.Lock()
	user := i.codes.user
	switch {
	case q.Get("response_type") != "code":
		answer.Set("error", "unsupported_response_type")
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		answer.Set("error", "invalid_request")
		answer.Set("error_description", "PKCE with S256 is required")
	case user == nil:
		answer.Set("error", "access_denied")
	default:
		code := rand.Text()
		c := *user
		c.Audience = q.Get("client_id")
		i.codes.pending[code] = grant{clientID: q.Get("client_id"), redirectURI: q.Get("redirect_uri"), challenge: q.Get("code_challenge"), claims: c}
		answer.Set("code", code)
	}
	i.codes.mu.Unlock()
	back.RawQuery = answer.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// token is the token endpoint: a code exchanged once, by the client it was
// issued to, with the verifier of its challenge. Browsers call it from the
// page, so it answers CORS.
func (i *Issuer) token(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if r.Method == http.MethodOptions {
		w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		http.Error(w, "POST a form", http.StatusBadRequest)
		return
	}
	f := r.PostForm
	i.codes.mu.Lock()
	g, ok := i.codes.pending[f.Get("code")]
	delete(i.codes.pending, f.Get("code"))
	i.codes.mu.Unlock()
	sum := sha256.Sum256([]byte(f.Get("code_verifier")))
	switch {
	case f.Get("grant_type") != "authorization_code" || !ok:
		w.WriteHeader(http.StatusBadRequest)
		writeJSON(w, map[string]string{"error": "invalid_grant"})
	case g.clientID != f.Get("client_id") || g.redirectURI != f.Get("redirect_uri") ||
		base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
		w.WriteHeader(http.StatusBadRequest)
		writeJSON(w, map[string]string{"error": "invalid_grant", "error_description": "client, redirect_uri or code_verifier does not match"})
	default:
		writeJSON(w, map[string]any{"id_token": i.Token(g.claims), "token_type": "Bearer", "expires_in": 3600})
	}
}
