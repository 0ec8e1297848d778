package webhooks

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// secretPrefix starts every signing secret, as in the Standard Webhooks
// specification (https://www.standardwebhooks.com).
const secretPrefix = "whsec_"

// secretBytes is the length of a generated secret's key; the specification
// asks for 24 to 64 bytes.
const secretBytes = 32

// Headers of a delivery, per the Standard Webhooks specification.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// newSecret returns a fresh signing secret: whsec_ and the base64 of
// secretBytes random bytes.
func newSecret() (string, error) {
	key := make([]byte, secretBytes)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("generate webhook secret: %w", err)
	}
	return secretPrefix + base64.StdEncoding.EncodeToString(key), nil
}

// secretKey is the HMAC key of a secret: the base64-decoded part after whsec_.
func secretKey(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, secretPrefix))
	if err != nil {
		return nil, fmt.Errorf("webhook secret is not %s<base64>: %w", secretPrefix, err)
	}
	return key, nil
}

// Sign returns the webhook-signature header of one attempt:
// v1,<base64(HMAC-SHA256(key, id.timestamp.body))>, where id is the
// webhook-id and timestamp the webhook-timestamp (unix seconds).
func Sign(secret, id string, timestamp int64, body []byte) (string, error) {
	key, err := secretKey(secret)
	if err != nil {
		return "", err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + strconv.FormatInt(timestamp, 10) + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}
