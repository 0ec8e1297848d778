package access

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// Authenticator finds the principal of a request's bearer credentials.
type Authenticator struct {
	Tokens *TokenStore
	// OIDC, when set, verifies bearer tokens that are not Slipway API tokens.
	OIDC *OIDC
	// Disabled lets requests without credentials in as Anonymous (slipway
	// dev, --insecure-no-auth). Valid credentials still name the caller.
	Disabled bool
}

// Authenticate returns the request's principal, or ErrUnauthenticated.
func (a *Authenticator) Authenticate(ctx context.Context, r *http.Request) (Principal, error) {
	raw, err := bearer(r)
	if err != nil || raw == "" {
		if a.Disabled {
			return Anonymous, nil
		}
		if err == nil {
			err = fmt.Errorf("%w: send Authorization: Bearer <API token or OIDC ID token>", ErrUnauthenticated)
		}
		return Principal{}, err
	}
	var p Principal
	switch {
	case strings.HasPrefix(raw, TokenPrefix) && a.Tokens != nil:
		p, err = a.Tokens.Authenticate(ctx, raw)
	case a.OIDC != nil:
		p, err = a.OIDC.Authenticate(ctx, raw)
	default:
		err = fmt.Errorf("%w: not a Slipway API token, and no OIDC issuer is configured", ErrUnauthenticated)
	}
	if err != nil && a.Disabled {
		return Anonymous, nil
	}
	return p, err
}

func bearer(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", nil
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", fmt.Errorf("%w: the Authorization header must be Bearer <token>", ErrUnauthenticated)
	}
	return strings.TrimSpace(token), nil
}
