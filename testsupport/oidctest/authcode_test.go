package oidctest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// authorize runs the authorization endpoint for challenge and answers the
// redirect's query.
func authorize(t *testing.T, iss *Issuer, challenge string) url.Values {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	q := url.Values{"response_type": {"code"}, "client_id": {"console"}, "redirect_uri": {"http://app.test/ui/"},
		"state": {"s1"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	res, err := client.Get(iss.URL + "/auth?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil || res.StatusCode != http.StatusFound || !strings.HasPrefix(loc.String(), "http://app.test/ui/") {
		t.Fatalf("authorize: %d %q %v", res.StatusCode, loc, err)
	}
	return loc.Query()
}

func exchange(t *testing.T, iss *Issuer, code, verifier string) (int, map[string]any) {
	t.Helper()
	res, err := http.PostForm(iss.URL+"/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"client_id": {"console"}, "redirect_uri": {"http://app.test/ui/"}, "code_verifier": {verifier}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(res.Body).Decode(&body)
	return res.StatusCode, body
}

func TestAuthorizationCodeWithPKCE(t *testing.T) {
	iss := New(t)
	verifier := "a-verifier-of-enough-length-for-the-test-0123456789"
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])

	if q := authorize(t, iss, challenge); q.Get("error") != "access_denied" || q.Get("state") != "s1" {
		t.Fatalf("before SignInAs: %v, want access_denied with the state", q)
	}
	iss.SignInAs(Claims{Subject: "ada", Email: "ada@example.com"})
	q := authorize(t, iss, challenge)
	if q.Get("code") == "" || q.Get("state") != "s1" {
		t.Fatalf("authorize: %v", q)
	}
	if status, body := exchange(t, iss, q.Get("code"), "another-verifier"); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("wrong verifier: %d %v", status, body)
	}
	// The failed exchange spent the code, as a stolen code must not be retried.
	q = authorize(t, iss, challenge)
	status, body := exchange(t, iss, q.Get("code"), verifier)
	if status != http.StatusOK || body["id_token"] == nil {
		t.Fatalf("exchange: %d %v", status, body)
	}
	if status, _ := exchange(t, iss, q.Get("code"), verifier); status != http.StatusBadRequest {
		t.Errorf("a code exchanged twice: %d", status)
	}
}
