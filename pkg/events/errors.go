package events

import "errors"

var (
	// ErrMalformed means bytes on the wire are not a valid envelope or payload.
	ErrMalformed = errors.New("events: malformed message")
	// ErrUnknownType means the envelope's type is not one this build knows.
	ErrUnknownType = errors.New("events: unknown message type")
)
