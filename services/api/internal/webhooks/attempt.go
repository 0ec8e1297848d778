package webhooks

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// contentType is the CloudEvents HTTP binding's type for an event in
// structured mode: the body is the whole envelope.
const contentType = "application/cloudevents+json; charset=utf-8"

// maxResponse is how much of a receiver's answer is read (and dropped)
// so the connection can be reused.
const maxResponse = 64 << 10

// attempt sends one delivery once, signed for this attempt's time. Any 2xx
// is success; redirects are not followed.
func (d *Dispatcher) attempt(ctx context.Context, rec record, dl Delivery) attemptResult {
	at := d.clock.Now()
	r := attemptResult{id: dl.ID, at: at}
	if rec.openErr != nil {
		r.err = rec.openErr
		return r
	}
	sig, err := Sign(rec.Secret, dl.ID, at.Unix(), []byte(dl.Body))
	if err != nil {
		r.err = err
		return r
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rec.URL, strings.NewReader(dl.Body))
	if err != nil {
		r.err = redactError(err)
		return r
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "Slipway-Webhooks/1")
	req.Header.Set(HeaderID, dl.ID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
	req.Header.Set(HeaderSignature, sig)
	resp, err := d.client.Do(req)
	if err != nil {
		r.err = redactError(err)
		return r
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponse))
	_ = resp.Body.Close()
	r.status = resp.StatusCode
	return r
}
