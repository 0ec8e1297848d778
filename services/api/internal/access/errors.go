package access

import (
	"errors"

	"slipway.dev/services/api/internal/fault"
)

var (
	// ErrUnauthenticated: no credentials, or credentials that are not valid
	// (unknown, forged, expired, revoked, wrong issuer or audience).
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrForbidden: a valid identity without the role the request needs.
	ErrForbidden = errors.New("forbidden")
	// errInvalid: a request to the token store that cannot be carried out.
	errInvalid = fault.Named("invalid token request", fault.ErrInvalid)
	// errNotFound: no token with that id.
	errNotFound = fault.Named("token not found", fault.ErrNotFound)
)
