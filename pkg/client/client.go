package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client is a client of Slipway's HTTP API. Its methods take a context
// first; an answer that is an RFC 9457 problem is a *ProblemError, a request
// that never got an answer a *ConnectionError. A Client is safe for
// concurrent use once configured.
type Client struct {
	// BaseURL is the API's URL, like http://127.0.0.1:8080 (no trailing slash).
	BaseURL string
	// Token, when set, is sent as "Authorization: Bearer <token>".
	Token string
	// HTTP sends the requests (nil: a client with connect, TLS and
	// response-header timeouts and no overall one, so streams and long polls
	// last as long as their context).
	HTTP *http.Client
	// RetryBackoff is the pause before the first retry of a request that
	// failed in transport (0: 250 ms; negative: none); it doubles per retry.
	// Requests are tried three times; mutations carry one Idempotency-Key
	// across the tries, so a retried command has one effect.
	RetryBackoff time.Duration
	// PollInterval is the pause between Wait's reads when the API answers a
	// long poll before the operation ended (0: 500 ms).
	PollInterval time.Duration
	// UserAgent is sent with every request (empty: slipway-go-client).
	UserAgent string
	// NewIdempotencyKey makes the key of a mutation given none (nil: 128
	// random bits in hex).
	NewIdempotencyKey func() string
}

// New returns a client of the API at server, sending token when not empty.
func New(server, token string) *Client {
	return &Client{BaseURL: strings.TrimRight(server, "/"), Token: token}
}

// defaultHTTP bounds every phase of a request but the body: connecting, TLS
// and the response headers (the API answers a ?wait= long poll within 10
// minutes). No overall timeout, so event streams run as long as wanted.
var defaultHTTP = &http.Client{Transport: &http.Transport{
	Proxy:                 http.ProxyFromEnvironment,
	DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	TLSHandshakeTimeout:   10 * time.Second,
	ResponseHeaderTimeout: 11 * time.Minute,
	IdleConnTimeout:       90 * time.Second,
	MaxIdleConns:          10,
}}

// call is one exchange to make on a route.
type call struct {
	route   *Route
	params  []string // the path's parameters, in the template's order
	options any      // a struct whose query and header tags say what to send
	body    any      // JSON-encoded when not nil
	// contentType of the body (empty: application/json).
	contentType string
	accept      string
}

// response is a fully read answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// send makes the exchange, retrying transport failures, and decodes a JSON
// answer into out (when not nil). A status of 400 or more is an error.
func (c *Client) send(ctx context.Context, k call, out any) (*response, error) {
	req, err := c.prepare(k)
	if err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, req)
	if err != nil {
		return nil, err
	}
	if out != nil {
		if err := json.Unmarshal(resp.body, out); err != nil {
			return resp, fmt.Errorf("the answer to %s %s (%d) is not what was expected: %w", k.route.Method, k.route.Path, resp.status, err)
		}
	}
	return resp, nil
}

// prepared is a request ready to be sent (again).
type prepared struct {
	method, url string
	header      http.Header
	body        []byte
}

func (c *Client) prepare(k call) (prepared, error) {
	path, err := k.route.expand(k.params)
	if err != nil {
		return prepared{}, err
	}
	q, h := url.Values{}, http.Header{}
	if k.options != nil {
		encodeOptions(k.options, q, h)
	}
	p := prepared{method: k.route.Method, url: c.BaseURL + path, header: h}
	if len(q) > 0 {
		p.url += "?" + q.Encode()
	}
	if k.body != nil {
		if p.body, err = json.Marshal(k.body); err != nil {
			return p, fmt.Errorf("encode the body of %s %s: %w", k.route.Method, k.route.Path, err)
		}
		h.Set("Content-Type", orDefault(k.contentType, "application/json"))
	}
	h.Set("Accept", orDefault(k.accept, "application/json"))
	if k.route.mutates() && h.Get("Idempotency-Key") == "" {
		h.Set("Idempotency-Key", c.newKey())
	}
	return p, nil
}

func (c *Client) newKey() string {
	if c.NewIdempotencyKey != nil {
		return c.NewIdempotencyKey()
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// do sends p, tried up to three times while it fails in transport.
func (c *Client) do(ctx context.Context, p prepared) (*response, error) {
	backoff := c.RetryBackoff
	if backoff == 0 {
		backoff = 250 * time.Millisecond
	}
	var err error
	for attempt := range 3 {
		if attempt > 0 && backoff > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(backoff):
			}
			backoff *= 2
		}
		var resp *response
		if resp, err = c.once(ctx, p); err == nil {
			return resp, problemOf(resp.status, resp.header, resp.body)
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return nil, &ConnectionError{Server: c.BaseURL, Err: err}
}

func (c *Client) once(ctx context.Context, p prepared) (*response, error) {
	var body io.Reader
	if p.body != nil {
		body = bytes.NewReader(p.body)
	}
	resp, err := c.open(ctx, p.method, p.url, p.header, body)
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

// open sends one request with the client's token and user agent.
func (c *Client) open(ctx context.Context, method, u string, h http.Header, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	req.Header.Set("User-Agent", orDefault(c.UserAgent, "slipway-go-client"))
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	return hc.Do(req)
}

// problemOf is nil for a status below 400, else the answer as a
// *ProblemError (or a plain error when the body is not a problem).
func problemOf(status int, header http.Header, body []byte) error {
	if status < 400 {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
	if mt == "application/problem+json" || mt == "application/json" {
		var p ProblemError
		if json.Unmarshal(body, &p) == nil && p.Title != "" {
			if p.Status == 0 {
				p.Status = status
			}
			return &p
		}
	}
	text := strings.TrimSpace(string(body))
	if len(text) > 200 {
		text = text[:200] + "…"
	}
	return fmt.Errorf("the API answered %d %s: %s", status, http.StatusText(status), text)
}

func orDefault(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
