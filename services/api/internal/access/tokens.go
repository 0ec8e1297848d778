package access

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/topology"
)

// TokenPrefix starts every Slipway API token, so secret scanners and people
// recognise one: slw_<id>_<secret>.
const TokenPrefix = "slw_"

// Token is a stored API token: its hash, never the token.
type Token struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Hash        string         `json:"hash,omitempty"`
	GlobalAdmin bool           `json:"globalAdmin"`
	Grants      []events.Grant `json:"grants,omitempty"`
	CreatedBy   string         `json:"createdBy"`
	CreatedAt   time.Time      `json:"createdAt"`
	ExpiresAt   *time.Time     `json:"expiresAt,omitempty"`
	RevokedAt   *time.Time     `json:"revokedAt,omitempty"`
}

// Public is the token as the API shows it: without its hash.
func (t Token) Public() Token {
	t.Hash = ""
	return t
}

// NewToken is a token to create.
type NewToken struct {
	Name        string
	GlobalAdmin bool
	Grants      []events.Grant
	ExpiresAt   *time.Time
	CreatedBy   string
}

// TokenStore keeps API tokens in a JetStream KV bucket.
type TokenStore struct {
	kv  jetstream.KeyValue
	now func() time.Time
}

// Buckets declares key-value buckets (a *bus.Conn).
type Buckets interface {
	EnsureKeyValue(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error)
}

// OpenTokenStore creates or opens the tokens bucket.
func OpenTokenStore(ctx context.Context, b Buckets) (*TokenStore, error) {
	kv, err := b.EnsureKeyValue(ctx, topology.APITokensBucket())
	if err != nil {
		return nil, fmt.Errorf("api tokens bucket: %w", err)
	}
	return &TokenStore{kv: kv, now: time.Now}, nil
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return strings.ToLower(b32.EncodeToString(b))
}

func hashToken(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// Create stores a new token and returns it with its value, which exists
// only in this answer.
func (s *TokenStore) Create(ctx context.Context, n NewToken) (Token, string, error) {
	if err := validateNew(n); err != nil {
		return Token{}, "", err
	}
	raw := GenerateToken()
	id, _ := tokenID(raw)
	t := Token{ID: id, Name: n.Name, Hash: hashToken(raw), GlobalAdmin: n.GlobalAdmin, Grants: n.Grants,
		CreatedBy: n.CreatedBy, CreatedAt: s.now().UTC().Truncate(time.Millisecond), ExpiresAt: n.ExpiresAt}
	if err := s.put(ctx, t, false); err != nil {
		return Token{}, "", err
	}
	return t, raw, nil
}

// GenerateToken draws a new token value in Slipway's format, for a
// bootstrap admin token (slipway dev --auth, the api's admin token file).
func GenerateToken() string {
	return TokenPrefix + randomString(10) + "_" + randomString(32)
}

// tokenID is the id a raw token names: slw_<id>_<secret> -> tok_<id>.
func tokenID(raw string) (string, bool) {
	rest, ok := strings.CutPrefix(raw, TokenPrefix)
	id, secret, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 || id == "" || len(id) > 64 || secret == "" || strings.ContainsAny(id, ".*> ") {
		return "", false
	}
	return "tok_" + id, true
}

// EnsureBootstrap makes raw (slw_<id>_<secret>, at least 32 secret
// characters) a global-admin token, replacing the stored one when raw
// changed (a rotated secret file) or was revoked.
func (s *TokenStore) EnsureBootstrap(ctx context.Context, raw string) error {
	id, ok := tokenID(raw)
	if _, secret, _ := strings.Cut(strings.TrimPrefix(raw, TokenPrefix), "_"); !ok || len(secret) < 32 {
		return fmt.Errorf("%w: the admin token must look like %s<id>_<at least 32 random characters>; make one with `slipway token generate`", errInvalid, TokenPrefix)
	}
	if cur, err := s.Get(ctx, id); err == nil && cur.RevokedAt == nil &&
		subtle.ConstantTimeCompare([]byte(cur.Hash), []byte(hashToken(raw))) == 1 {
		return nil
	}
	t := Token{ID: id, Name: "bootstrap-admin", Hash: hashToken(raw), GlobalAdmin: true, CreatedBy: "config", CreatedAt: s.now().UTC()}
	return s.put(ctx, t, true)
}

func (s *TokenStore) put(ctx context.Context, t Token, overwrite bool) error {
	data, err := json.Marshal(t)
	if err != nil {
		return err
	}
	if overwrite {
		_, err = s.kv.Put(ctx, t.ID, data)
	} else {
		_, err = s.kv.Create(ctx, t.ID, data)
	}
	if err != nil {
		return fmt.Errorf("store token %s: %w", t.ID, err)
	}
	return nil
}

func validateNew(n NewToken) error {
	var problems []string
	if n.Name == "" || len(n.Name) > 100 {
		problems = append(problems, "name: 1 to 100 characters")
	}
	if !n.GlobalAdmin && len(n.Grants) == 0 {
		problems = append(problems, "grants: a token needs at least one grant, or globalAdmin")
	}
	for i, g := range n.Grants {
		if err := ValidateGrant(g); err != nil {
			problems = append(problems, fmt.Sprintf("grants[%d]: %v", i, err))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", errInvalid, strings.Join(problems, "; "))
	}
	return nil
}

// Authenticate returns the principal of a raw API token. Unknown, forged,
// expired and revoked tokens are ErrUnauthenticated. The store is read on
// every call: a revocation holds from the next request on.
func (s *TokenStore) Authenticate(ctx context.Context, raw string) (Principal, error) {
	id, ok := tokenID(raw)
	if !ok {
		return Principal{}, fmt.Errorf("%w: not a Slipway API token", ErrUnauthenticated)
	}
	t, err := s.Get(ctx, id)
	if errors.Is(err, errNotFound) {
		return Principal{}, fmt.Errorf("%w: unknown API token", ErrUnauthenticated)
	}
	if err != nil {
		return Principal{}, err
	}
	if subtle.ConstantTimeCompare([]byte(t.Hash), []byte(hashToken(raw))) != 1 {
		return Principal{}, fmt.Errorf("%w: unknown API token", ErrUnauthenticated)
	}
	if t.RevokedAt != nil {
		return Principal{}, fmt.Errorf("%w: API token %s was revoked", ErrUnauthenticated, t.ID)
	}
	if t.ExpiresAt != nil && !s.now().Before(*t.ExpiresAt) {
		return Principal{}, fmt.Errorf("%w: API token %s expired at %s", ErrUnauthenticated, t.ID, t.ExpiresAt.Format(time.RFC3339))
	}
	return Principal{Subject: "token:" + t.ID, Name: t.Name, Method: "token", GlobalAdmin: t.GlobalAdmin, Grants: t.Grants, TokenID: t.ID}, nil
}

// Get returns a stored token.
func (s *TokenStore) Get(ctx context.Context, id string) (Token, error) {
	e, err := s.kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrInvalidKey) {
		return Token{}, fmt.Errorf("token %s: %w", id, errNotFound)
	}
	if err != nil {
		return Token{}, fmt.Errorf("read token %s: %w", id, err)
	}
	var t Token
	if err := json.Unmarshal(e.Value(), &t); err != nil {
		return Token{}, fmt.Errorf("decode token %s: %w", id, err)
	}
	return t, nil
}

// List returns every token, revoked ones included, oldest first.
func (s *TokenStore) List(ctx context.Context) ([]Token, error) {
	lister, err := s.kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	var out []Token
	for key := range lister.Keys() {
		t, err := s.Get(ctx, key)
		if errors.Is(err, errNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	sortTokens(out)
	return out, nil
}

// Revoke marks a token revoked; revoking twice changes nothing.
func (s *TokenStore) Revoke(ctx context.Context, id string) (Token, error) {
	t, err := s.Get(ctx, id)
	if err != nil {
		return Token{}, err
	}
	if t.RevokedAt != nil {
		return t, nil
	}
	now := s.now().UTC()
	t.RevokedAt = &now
	return t, s.put(ctx, t, true)
}
