package webhookcheck

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// TestVerify: the specification's signature passes, among other
// signatures too; a changed body, a wrong secret, a stale timestamp and
// missing headers are refused.
func TestVerify(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	secret := "whsec_" + base64.StdEncoding.EncodeToString(key)
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"type":"deployment_created"}`)
	headers := func(at time.Time, signed []byte) http.Header {
		ts := strconv.FormatInt(at.Unix(), 10)
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte("msg_1." + ts + "."))
		mac.Write(signed)
		h := http.Header{}
		h.Set("webhook-id", "msg_1")
		h.Set("webhook-timestamp", ts)
		h.Set("webhook-signature", "v1,b3RoZXI= v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
		return h
	}
	for _, tc := range []struct {
		name   string
		secret string
		h      http.Header
		body   []byte
		ok     bool
	}{
		{"signed", secret, headers(now, body), body, true},
		{"body changed", secret, headers(now, body), []byte(`{}`), false},
		{"other secret", "whsec_" + base64.StdEncoding.EncodeToString([]byte("another key")), headers(now, body), body, false},
		{"not a secret", "key", headers(now, body), body, false},
		{"stale", secret, headers(now.Add(-MaxSkew-time.Second), body), body, false},
		{"no headers", secret, http.Header{}, body, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := Verify(tc.secret, tc.h, tc.body, now); (err == nil) != tc.ok {
				t.Fatalf("Verify: %v, want ok=%v", err, tc.ok)
			}
		})
	}
}
