package access

import "errors"

var (
	// ErrUnauthenticated: no credentials, or credentials that are not valid
	// (unknown, forged, expired, revoked, wrong issuer or audience).
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrForbidden: a valid identity without the role the request needs.
	ErrForbidden = errors.New("forbidden")
	// ErrInvalid: a request to the token store that cannot be carried out.
	ErrInvalid = errors.New("invalid token request")
	// ErrNotFound: no token with that id.
	ErrNotFound = errors.New("token not found")
)
