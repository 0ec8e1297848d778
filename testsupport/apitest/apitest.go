// Package apitest drives Slipway's HTTP API from tests the way a client
// would: raw HTTP, JSON bodies, problem+json errors.
package apitest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Client talks to one Slipway API.
type Client struct {
	BaseURL string
	HTTP    *http.Client
	// validate, when set, checks every exchange (see ValidateWith).
	validate Validator
	// token, when set, is sent as a bearer token on every request.
	token string
}

// Validator checks one exchange with the API: the request as sent, its body
// (nil when there was none) and the response. It reports what is wrong
// through t.
type Validator func(t testing.TB, req *http.Request, body []byte, resp Response)

// ValidateWith makes the client pass every exchange to v (nil: none), and
// returns the client.
func (c *Client) ValidateWith(v Validator) *Client {
	c.validate = v
	return c
}

// As returns a copy of the client that sends token as its bearer token
// (empty: no credentials), sharing its HTTP client and validator.
func (c *Client) As(token string) *Client {
	cp := *c
	cp.token = token
	return &cp
}

// New returns a client for the API at baseURL.
func New(baseURL string) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), HTTP: &http.Client{Timeout: 2 * time.Minute}}
}

// Response is a fully read HTTP response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a generic map, failing the test if it is not JSON.
func (r Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response is not a JSON object (%d): %v\n%s", r.Status, err, r.Body)
	}
	return m
}

// Decode decodes the body into v.
func (r Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode response (%d): %v\n%s", r.Status, err, r.Body)
	}
}

// Do sends a request. body may be nil, a string (sent as is) or a value
// (encoded as JSON). headers are name, value pairs.
func (c *Client) Do(t testing.TB, method, path string, body any, headers ...string) Response {
	t.Helper()
	var data []byte
	switch b := body.(type) {
	case nil:
	case string:
		data = []byte(b)
	case []byte:
		data = b
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		data = enc
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, c.BaseURL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := Response{Status: resp.StatusCode, Header: resp.Header, Body: got}
	if c.validate != nil {
		c.validate(t, req, data, r)
	}
	return r
}

// Problem is an RFC 9457 body as the API writes it.
type Problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Operation string `json:"operation"`
	Reason    string `json:"reason"`
	Errors    []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

// ExpectProblem checks a problem+json answer with the given status and
// returns it.
func (r Response) ExpectProblem(t testing.TB, status int) Problem {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json: %s", ct, r.Body)
	}
	var p Problem
	r.Decode(t, &p)
	if p.Type == "" || p.Title == "" || p.Status != status {
		t.Fatalf("incomplete problem: %s", r.Body)
	}
	return p
}

// HasField reports whether the problem names the field.
func (p Problem) HasField(field string) bool {
	for _, e := range p.Errors {
		if e.Field == field {
			return true
		}
	}
	return false
}

// Eventually retries check until it returns true or the timeout passes.
func Eventually(t testing.TB, timeout time.Duration, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
