package webhooks

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Signing secrets must be readable to sign, so they cannot be hashed like
// API tokens; at rest, in the webhooks bucket, they are sealed with
// AES-256-GCM under a key the operator provides (a mounted Secret), bound
// to their webhook's id (the additional data), so a sealed secret copied
// onto another subscription does not open. Several keys allow rotation:
// the first seals, every one opens.

// sealedPrefix starts a sealed secret: sealed:v1:<key id>:<base64 nonce|ciphertext>.
const sealedPrefix = "sealed:v1:"

// KeySize is the length of a sealing key (AES-256).
const KeySize = 32

// ErrSealed means a sealed secret cannot be opened with the keys given.
var ErrSealed = errors.New("webhook secret sealed with a key not configured")

// Keyring seals and opens signing secrets. A nil Keyring stores them plain.
type Keyring struct {
	current string
	aeads   map[string]cipher.AEAD
}

// NewKeyring uses keys (each KeySize bytes): the first seals, all open.
func NewKeyring(keys [][]byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("webhook keys: none given")
	}
	k := &Keyring{aeads: map[string]cipher.AEAD{}}
	for i, key := range keys {
		if len(key) != KeySize {
			return nil, fmt.Errorf("webhook key %d: %d bytes, want %d", i+1, len(key), KeySize)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("webhook key %d: %w", i+1, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("webhook key %d: %w", i+1, err)
		}
		id := keyID(key)
		if i == 0 {
			k.current = id
		}
		k.aeads[id] = aead
	}
	return k, nil
}

// ParseKeys reads a key file: one base64 key per line, the sealing key
// first; blank lines and lines starting with # are skipped.
func ParseKeys(text string) ([][]byte, error) {
	var keys [][]byte
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, err := base64.StdEncoding.DecodeString(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: not base64 (make a key with `openssl rand -base64 32`)", n+1)
		}
		if len(key) != KeySize {
			return nil, fmt.Errorf("line %d: %d bytes, want %d (make a key with `openssl rand -base64 32`)", n+1, len(key), KeySize)
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return nil, errors.New("no key in the file (make one with `openssl rand -base64 32`)")
	}
	return keys, nil
}

// keyID names a key without revealing it: the first 8 bytes of its SHA-256, in hex.
func keyID(key []byte) string {
	sum := sha256.Sum256(key)
	return hex.EncodeToString(sum[:8])
}

// seal returns secret sealed for the webhook id (as is with a nil Keyring).
func (k *Keyring) seal(secret, id string) (string, error) {
	if k == nil {
		return secret, nil
	}
	aead := k.aeads[k.current]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(secret)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal webhook secret: %w", err)
	}
	out := aead.Seal(nonce, nonce, []byte(secret), []byte(id))
	return sealedPrefix + k.current + ":" + base64.RawStdEncoding.EncodeToString(out), nil
}

// open returns the secret a stored value holds. A value without the
// sealed prefix was stored plain (before sealing was configured) and is
// returned as is.
func (k *Keyring) open(stored, id string) (string, error) {
	rest, sealed := strings.CutPrefix(stored, sealedPrefix)
	if !sealed {
		return stored, nil
	}
	kid, payload, ok := strings.Cut(rest, ":")
	if !ok {
		return "", fmt.Errorf("webhook %s: malformed sealed secret", id)
	}
	if k == nil {
		return "", fmt.Errorf("webhook %s: %w (no keys configured)", id, ErrSealed)
	}
	aead, ok := k.aeads[kid]
	if !ok {
		return "", fmt.Errorf("webhook %s: %w (key %s)", id, ErrSealed, kid)
	}
	raw, err := base64.RawStdEncoding.DecodeString(payload)
	if err != nil || len(raw) < aead.NonceSize() {
		return "", fmt.Errorf("webhook %s: malformed sealed secret", id)
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(id))
	if err != nil {
		return "", fmt.Errorf("webhook %s: sealed secret does not open (tampered, or sealed for another webhook)", id)
	}
	return string(plain), nil
}
