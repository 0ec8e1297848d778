// Package fault is the kinds of failure the api's packages share. The read
// models, intake, webhooks and access return errors of these kinds (wrapped
// with context, or named for the package with Named), and the HTTP API
// answers each kind one way (httpapi's problem table) whichever package
// said it.
package fault

import "errors"

var (
	// ErrNotFound: no such thing (deployment, operation, revision, token,
	// webhook, delivery, ...).
	ErrNotFound = errors.New("not found")
	// ErrUnavailable: a dependency (the store, NATS) did not answer; the
	// request was fine, and retrying later may succeed.
	ErrUnavailable = errors.New("unavailable")
	// ErrInvalid: a request that cannot be carried out as asked.
	ErrInvalid = errors.New("invalid")
)

// Named is an error of kind (errors.Is(Named(msg, kind), kind)) that reads
// msg: a package's own name for one of the shared kinds, such as "token
// not found".
func Named(msg string, kind error) error { return &named{msg: msg, kind: kind} }

type named struct {
	msg  string
	kind error
}

func (n *named) Error() string { return n.msg }
func (n *named) Unwrap() error { return n.kind }
