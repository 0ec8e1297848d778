package webhooks_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"slipway.dev/services/api/internal/webhooks"
)

// verify checks a delivery the way a receiver would, written from the
// Standard Webhooks specification (https://www.standardwebhooks.com) and
// sharing no code with the package: read webhook-id, webhook-timestamp and
// webhook-signature; refuse a timestamp more than 5 minutes from now;
// recompute HMAC-SHA256 over "id.timestamp.body" keyed with the
// base64-decoded secret after "whsec_"; accept if any space-separated
// "v1,<base64>" signature matches in constant time.
func verify(secret string, h http.Header, body []byte, now time.Time) error {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return errors.New("missing webhook headers")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("bad timestamp %q", ts)
	}
	if skew := now.Sub(time.Unix(sec, 0)); skew > 5*time.Minute || skew < -5*time.Minute {
		return fmt.Errorf("timestamp %s is %s from now", ts, skew)
	}
	if !strings.HasPrefix(secret, "whsec_") {
		return errors.New("secret without whsec_")
	}
	key, err := base64.StdEncoding.DecodeString(secret[len("whsec_"):])
	if err != nil {
		return fmt.Errorf("secret: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	mac.Write([]byte("."))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	want := mac.Sum(nil)
	for _, sig := range strings.Fields(sigs) {
		version, value, ok := strings.Cut(sig, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(value)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return errors.New("no signature matches")
}

// TestSignMatchesTheSpecExample: the example of the specification's
// reference libraries, checked by Sign and by the independent verifier.
func TestSignMatchesTheSpecExample(t *testing.T) {
	const (
		secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		id     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
		ts     = 1614265330
		body   = `{"test": 2432232314}`
		want   = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	)
	got, err := webhooks.Sign(secret, id, ts, []byte(body))
	if err != nil || got != want {
		t.Fatalf("Sign = %q, %v; want %q", got, err, want)
	}
	h := http.Header{}
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", strconv.Itoa(ts))
	h.Set("webhook-signature", "v1,bm90IGl0 "+got)
	at := time.Unix(ts, 0)
	if err := verify(secret, h, []byte(body), at.Add(time.Minute)); err != nil {
		t.Fatalf("the verifier refuses the spec's example: %v", err)
	}
	if err := verify(secret, h, []byte(body+" "), at); err == nil {
		t.Fatal("a changed body must not verify")
	}
	if err := verify(secret, h, []byte(body), at.Add(6*time.Minute)); err == nil {
		t.Fatal("a timestamp older than 5 minutes must be refused")
	}
	if err := verify("whsec_"+base64.StdEncoding.EncodeToString([]byte("another key, 24+ bytes long")), h, []byte(body), at); err == nil {
		t.Fatal("another secret must not verify")
	}
}
