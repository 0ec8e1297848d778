package events

import (
	"encoding/json"
	"fmt"
	"time"
)

// Message is a typed command or event payload. Type returns its versioned wire
// name (e.g. slipway.deployment.created.v1); a new version of a payload is a new
// Go type with a new name, and old names stay decodable.
type Message interface {
	Type() string
}

// Envelope carries every command and event: CloudEvents 1.0 attributes in
// structured JSON mode, plus Slipway's extension attributes.
type Envelope struct {
	SpecVersion     string          `json:"specversion"`
	ID              string          `json:"id"`
	Source          string          `json:"source"`
	Type            string          `json:"type"`
	Subject         string          `json:"subject"`
	Time            time.Time       `json:"time"`
	DataContentType string          `json:"datacontenttype"`
	Actor           string          `json:"actor"`
	CorrelationID   string          `json:"correlationid"`
	CausationID     string          `json:"causationid,omitempty"`
	TraceParent     string          `json:"traceparent,omitempty"`
	Data            json.RawMessage `json:"data"`
}

// Meta is what the sender says about a message besides its payload.
type Meta struct {
	ID      string    // unique per message; also its Nats-Msg-Id
	Source  string    // the sending service, e.g. /slipway/api
	Subject string    // the resource, e.g. owner/project/name
	Time    time.Time // when it happened (events) or was asked for (commands)
	// Actor is who asked; it is carried from the command to every event it causes.
	Actor string
	// CorrelationID is the operation id; CausationID the id of the message that caused this one.
	CorrelationID string
	CausationID   string
	TraceParent   string
}

// Wrap puts a payload in an envelope.
func Wrap(msg Message, meta Meta) (Envelope, error) {
	data, err := json.Marshal(msg)
	if err != nil {
		return Envelope{}, fmt.Errorf("encode %s: %w", msg.Type(), err)
	}
	return Envelope{
		SpecVersion:     "1.0",
		ID:              meta.ID,
		Source:          meta.Source,
		Type:            msg.Type(),
		Subject:         meta.Subject,
		Time:            meta.Time.UTC(),
		DataContentType: "application/json",
		Actor:           meta.Actor,
		CorrelationID:   meta.CorrelationID,
		CausationID:     meta.CausationID,
		TraceParent:     meta.TraceParent,
		Data:            data,
	}, nil
}

// Marshal encodes the envelope for the wire.
func (e Envelope) Marshal() ([]byte, error) { return json.Marshal(e) }

// CausedBy is the meta of a message that cause leads to (a command's
// decision, a promotion's step): it keeps the cause's actor and operation
// (CorrelationID), names the cause (CausationID = cause.ID) and carries
// traceParent, the trace context of the work handling the cause. The sender
// sets what is the message's own: ID, Source, Subject and Time.
func CausedBy(cause Envelope, traceParent string) Meta {
	return Meta{Actor: cause.Actor, CorrelationID: cause.CorrelationID, CausationID: cause.ID, TraceParent: traceParent}
}

// The services that append events on their own account (progress, drift,
// health) name themselves as the actor with these.
const (
	ActorRolloutWorker = "system:rollout-worker"
	ActorHealthMonitor = "system:health-monitor"
)

// ByService is the meta of a message a service appends on its own account:
// actor is one of the Actor* constants, operation the operation the message
// belongs to (CorrelationID; "" for none), traceParent the trace context of
// the work. A message that also follows from a cause sets CausationID. The
// sender sets what is the message's own: ID, Source, Subject and Time.
func ByService(actor, operation, traceParent string) Meta {
	return Meta{Actor: actor, CorrelationID: operation, TraceParent: traceParent}
}

// Unmarshal decodes an envelope from the wire.
func Unmarshal(b []byte) (Envelope, error) {
	var e Envelope
	if err := json.Unmarshal(b, &e); err != nil {
		return Envelope{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if e.SpecVersion != "1.0" || e.Type == "" || e.ID == "" {
		return Envelope{}, fmt.Errorf("%w: missing specversion, type or id", ErrMalformed)
	}
	return e, nil
}

// Decode returns the typed payload of the envelope.
func (e Envelope) Decode() (Message, error) {
	decode, ok := registry[e.Type]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownType, e.Type)
	}
	msg, err := decode(e.Data)
	if err != nil {
		return nil, fmt.Errorf("%w: decode %s: %v", ErrMalformed, e.Type, err)
	}
	return msg, nil
}
