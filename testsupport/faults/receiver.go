package faults

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"slipway.dev/testsupport/webhookcheck"
)

// Receiver modes: what the webhook receiver answers.
const (
	ReceiverOK   = "ok"
	Receiver500  = "500"
	ReceiverHang = "hang"
)

// Receiver is a webhook receiver that verifies every request's Standard
// Webhooks signature and counts, by event id, the deliveries it accepted
// (answered 2xx); its mode makes it answer 500 or hang instead.
type Receiver struct {
	*httptest.Server
	mu        sync.Mutex
	secret    string
	mode      string
	changed   chan struct{} // closed when the mode changes
	delivered map[string]int
	unsigned  int
}

// NewReceiver starts a receiver answering 2xx. SetSecret gives it the
// subscription's secret once made.
func NewReceiver() *Receiver {
	r := &Receiver{mode: ReceiverOK, changed: make(chan struct{}), delivered: map[string]int{}}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	return r
}

// SetSecret sets the signing secret (whsec_...) requests are verified with.
func (r *Receiver) SetSecret(s string) {
	r.mu.Lock()
	r.secret = s
	r.mu.Unlock()
}

// SetMode switches what the receiver answers; hanging requests end.
func (r *Receiver) SetMode(mode string) {
	r.mu.Lock()
	r.mode = mode
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
}

// Delivered is a copy of the accepted deliveries by event id, and how many
// requests failed verification.
func (r *Receiver) Delivered() (map[string]int, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.delivered))
	for k, v := range r.delivered {
		out[k] = v
	}
	return out, r.unsigned
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	mode, changed, secret := r.mode, r.changed, r.secret
	r.mu.Unlock()
	switch mode {
	case Receiver500:
		w.WriteHeader(http.StatusInternalServerError)
		return
	case ReceiverHang:
		select {
		case <-changed:
		case <-req.Context().Done():
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	var env struct{ ID string }
	err := webhookcheck.Verify(secret, req.Header, body, time.Now())
	if err == nil {
		err = json.Unmarshal(body, &env)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil || env.ID == "" {
		r.unsigned++
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	r.delivered[env.ID]++
	w.WriteHeader(http.StatusNoContent)
}
