// Package webhookcheck verifies a webhook delivery as a receiver would,
// written from the Standard Webhooks specification and sharing no code
// with Slipway's signer (services/api/internal/webhooks), so that tests
// holding deliveries to it check the signer rather than agree with it.
package webhookcheck

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxSkew is how far a delivery's timestamp may be from now.
const MaxSkew = 5 * time.Minute

// Verify checks the webhook-id, webhook-timestamp and webhook-signature
// headers of a delivery of body: a v1 signature is
// base64(HMAC-SHA256(base64-decoded secret after "whsec_", "id.timestamp.body")),
// compared in constant time; a timestamp more than MaxSkew from now is
// refused.
func Verify(secret string, h http.Header, body []byte, now time.Time) error {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return errors.New("missing webhook headers")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("bad timestamp %q", ts)
	}
	if skew := now.Sub(time.Unix(sec, 0)); skew > MaxSkew || skew < -MaxSkew {
		return fmt.Errorf("timestamp %s is %s away", ts, skew)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || !strings.HasPrefix(secret, "whsec_") {
		return fmt.Errorf("bad secret: %v", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	for _, sig := range strings.Fields(sigs) {
		if v, value, ok := strings.Cut(sig, ","); ok && v == "v1" {
			if got, err := base64.StdEncoding.DecodeString(value); err == nil && hmac.Equal(got, want) {
				return nil
			}
		}
	}
	return errors.New("no signature matches")
}
