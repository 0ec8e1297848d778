package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client is a small client of Slipway's HTTP API. Its methods take a
// context first; an answer that is an RFC 9457 problem is a *ProblemError,
// a request that never got an answer a *ConnectionError.
type Client struct {
	BaseURL string // like http://127.0.0.1:8080, no trailing slash
	// Token, when set, is sent as "Authorization: Bearer <token>".
	Token string
	HTTP  *http.Client
	// RetryBackoff is the pause before the first retry of a request that
	// failed in transport (0: 250 ms; negative: none). Requests are tried
	// three times; commands carry an Idempotency-Key, so a retry has one effect.
	RetryBackoff time.Duration
}

// ProblemError is an API error answer (application/problem+json).
type ProblemError struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail"`
	Instance  string       `json:"instance"`
	Errors    []FieldError `json:"errors"`
	Operation string       `json:"operation"`
	Reason    string       `json:"reason"`
}

// ProblemRejected is the type of a command decided against.
const ProblemRejected = "https://slipway.dev/problems/rejected"

func (p *ProblemError) Error() string {
	s := fmt.Sprintf("%s (%d)", p.Title, p.Status)
	if p.Detail != "" {
		s += ": " + p.Detail
	}
	return s
}

// Rejected reports whether the problem is a rejected command.
func (p *ProblemError) Rejected() bool { return p.Type == ProblemRejected }

// ConnectionError is a request that got no answer.
type ConnectionError struct {
	Server string
	Err    error
}

func (c *ConnectionError) Error() string {
	return fmt.Sprintf("cannot reach the Slipway API at %s: %v", c.Server, c.Err)
}

func (c *ConnectionError) Unwrap() error { return c.Err }

// request is one HTTP exchange to make.
type request struct {
	method, path string
	query        url.Values
	body         []byte // nil: no body
	contentType  string
	header       http.Header
}

// response is a fully read answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends r, retrying transport failures, and returns the answer; a status
// of 400 or more is an error.
func (c *Client) do(ctx context.Context, r request) (*response, error) {
	backoff := c.RetryBackoff
	if backoff == 0 {
		backoff = 250 * time.Millisecond
	}
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if attempt > 0 && backoff > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(backoff):
			}
			backoff *= 2
		}
		var resp *response
		resp, err = c.once(ctx, r)
		if err == nil {
			return resp, checkStatus(resp)
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return nil, &ConnectionError{Server: c.BaseURL, Err: err}
}

func (c *Client) once(ctx context.Context, r request) (*response, error) {
	u := c.BaseURL + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return nil, err
	}
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	if r.body != nil {
		req.Header.Set("Content-Type", r.contentType)
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	req.Header.Set("User-Agent", "slipway-cli")
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// checkStatus turns an error status into a *ProblemError (or a plain error
// when the body is not a problem).
func checkStatus(r *response) error {
	if r.status < 400 {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(r.header.Get("Content-Type"))
	if mt == "application/problem+json" || mt == "application/json" {
		var p ProblemError
		if json.Unmarshal(r.body, &p) == nil && p.Title != "" {
			if p.Status == 0 {
				p.Status = r.status
			}
			return &p
		}
	}
	text := strings.TrimSpace(string(r.body))
	if len(text) > 200 {
		text = text[:200] + "…"
	}
	return fmt.Errorf("the API answered %d %s: %s", r.status, http.StatusText(r.status), text)
}

// getJSON GETs path and decodes the answer into out.
func (c *Client) getJSON(ctx context.Context, path string, query url.Values, out any) error {
	resp, err := c.do(ctx, request{method: http.MethodGet, path: path, query: query})
	if err != nil {
		return err
	}
	return decodeAnswer(resp, out)
}

// postJSON posts a JSON body (no idempotency key: for admin routes whose
// create is not retried) and decodes the answer into out.
func (c *Client) postJSON(ctx context.Context, path string, body []byte, out any) error {
	resp, err := c.do(ctx, request{method: http.MethodPost, path: path, body: body, contentType: "application/json"})
	if err != nil {
		return err
	}
	return decodeAnswer(resp, out)
}

func decodeAnswer(resp *response, out any) error {
	if err := json.Unmarshal(resp.body, out); err != nil {
		return fmt.Errorf("the API's answer (%d) is not what was expected: %v", resp.status, err)
	}
	return nil
}
