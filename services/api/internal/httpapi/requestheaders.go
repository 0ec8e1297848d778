package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

const (
	// MaxHeaderBytes is the most request headers the API accepts (names and
	// values); more is refused 431 problem+json naming the largest header.
	MaxHeaderBytes = 64 << 10
	// serverMaxHeaderBytes is what the server reads before net/http itself
	// refuses, in plain text: well above MaxHeaderBytes, so that a header
	// the API refuses is refused as a problem.
	serverMaxHeaderBytes = 4 << 20
)

// Server is the HTTP server of handler, with the API's timeouts and
// header limit.
func Server(handler http.Handler) *http.Server {
	return &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 11 * time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: serverMaxHeaderBytes}
}

// limitHeaders refuses a request whose headers exceed MaxHeaderBytes.
func limitHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		total, largest, largestSize := 0, "", 0
		for name, values := range c.Request().Header {
			size := 0
			for _, v := range values {
				size += len(name) + len(v) + 4 // "name: value\r\n"
			}
			total += size
			if size > largestSize {
				largest, largestSize = name, size
			}
		}
		if total > MaxHeaderBytes {
			return fmt.Errorf("%w: the headers are %d bytes, at most %d are accepted; the largest is %s (%d bytes)",
				errHeadersLarge, total, MaxHeaderBytes, largest, largestSize)
		}
		return next(c)
	}
}

// maxIdempotencyKey bounds the Idempotency-Key header. A key only names a
// retry (it is hashed into the operation id), so nothing needs more; the
// bound and printable ASCII keep a key the same through proxies and clients.
const maxIdempotencyKey = 255

// idempotencyKeys refuses an Idempotency-Key longer than maxIdempotencyKey
// or holding anything but printable ASCII (400, naming the header), before
// it reaches a command.
func idempotencyKeys(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if key := c.Request().Header.Get("Idempotency-Key"); key != "" && !validIdempotencyKey(key) {
			return fmt.Errorf("%w: the Idempotency-Key header must be 1 to %d printable ASCII characters", errBadParam, maxIdempotencyKey)
		}
		return next(c)
	}
}

func validIdempotencyKey(key string) bool {
	if len(key) > maxIdempotencyKey {
		return false
	}
	for i := range len(key) {
		if key[i] < 0x20 || key[i] > 0x7e {
			return false
		}
	}
	return true
}

const headKey = "slipway.head"

// headAsGet answers HEAD on every GET route as that GET is answered (routed,
// authorized, limited and validated as the GET; RFC 9110 9.3.2), with the
// GET's status, headers and Content-Length and no body. Handlers see a GET;
// one that would stream (GET /v1/events) asks isHead and stops after its
// headers.
func headAsGet(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.Method != http.MethodHead {
			return next(c)
		}
		req.Method = http.MethodGet
		c.Set(headKey, true)
		w := &headResponse{ResponseWriter: c.Response().Writer}
		c.Response().Writer = w
		if err := next(c); err != nil {
			c.Error(err)
		}
		req.Method = http.MethodHead // so net/http sends no body and keeps the connection
		w.send()
		return nil
	}
}

// isHead reports whether the request is a HEAD answered as a GET.
func isHead(c echo.Context) bool {
	head, _ := c.Get(headKey).(bool)
	return head
}

// headResponse holds back a HEAD's status until the handler is done, counts
// the body it discards, and then sends the headers with that length.
type headResponse struct {
	http.ResponseWriter
	status int
	length int
}

func (w *headResponse) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *headResponse) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.length += len(p)
	return len(p), nil
}

// Flush sends nothing: the headers go once the handler is done.
func (w *headResponse) Flush() {}

func (w *headResponse) send() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	h := w.Header()
	if h.Get("Content-Length") == "" && w.length > 0 {
		h.Set("Content-Length", strconv.Itoa(w.length))
	}
	w.ResponseWriter.WriteHeader(w.status)
}
