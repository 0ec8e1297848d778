// Package intake turns accepted requests into commands on COMMANDS: durably,
// once per Idempotency-Key, with an operation to follow.
package intake

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/events"
	"slipway.dev/pkg/telemetry"
	"slipway.dev/services/api/internal/fault"
)

var (
	// ErrKeyReused means the Idempotency-Key was used before for a different request.
	ErrKeyReused = errors.New("idempotency key was used for a different request")
	// ErrUnknownOperation means no operation has that id.
	ErrUnknownOperation = fault.Named("unknown operation", fault.ErrNotFound)
)

// Intake publishes commands.
type Intake struct {
	bus *bus.Conn
	kv  jetstream.KeyValue
}

// New binds the intake to the bus; the topology must exist.
func New(ctx context.Context, b *bus.Conn) (*Intake, error) {
	kv, err := b.KeyValue(ctx, events.BucketOperations)
	if err != nil {
		return nil, fmt.Errorf("operations bucket: %w", err)
	}
	return &Intake{bus: b, kv: kv}, nil
}

// Request is one command to submit.
type Request struct {
	Kind    string
	Ref     events.DeploymentRef
	Command events.Message
	Actor   string
	// IdempotencyKey, when given, makes the submission happen once within
	// topology.IdempotencyWindow per project: the same key returns the same
	// operation, and the same key with another request is ErrKeyReused.
	IdempotencyKey string
	// Target, when set, makes this a target command (Kind events.KindTarget;
	// Ref unused): its subject is slipway.cmd.target.<Target>, and the
	// idempotency key is scoped to the target.
	Target string
}

// subjects returns the command subject, the envelope subject and the
// idempotency scope of req.
func (req Request) subjects() (subject, envSubject, scope string) {
	if req.Target != "" {
		s := events.TargetEnvelopeSubject(req.Target)
		return events.TargetCommandSubject(req.Target), s, s
	}
	return events.CommandSubject(req.Kind, req.Ref), req.Ref.String(), req.Ref.Owner + "/" + req.Ref.Project
}

// Record is what the intake keeps of an accepted operation.
type Record struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	Type       string    `json:"type"`
	Deployment string    `json:"deployment"`
	Target     string    `json:"target,omitempty"`
	Actor      string    `json:"actor"`
	AcceptedAt time.Time `json:"acceptedAt"`
	Seq        uint64    `json:"seq"`
	// Duplicate is set by Submit when the command was stored before (a retry
	// with the same idempotency key): its operation may have moved on.
	Duplicate bool `json:"-"`
}

// Submit stores the command durably and returns its operation. A nil error
// means the command will be decided; an error means nothing was stored.
func (in *Intake) Submit(ctx context.Context, req Request) (Record, error) {
	subject, envSubject, scope := req.subjects()
	id := operationID(scope, req.IdempotencyKey)
	env, err := events.Wrap(req.Command, events.Meta{
		ID: id, Source: "/slipway/api", Subject: envSubject, Time: time.Now().UTC(),
		Actor: req.Actor, CorrelationID: id, TraceParent: telemetry.TraceParent(ctx),
	})
	if err != nil {
		return Record{}, err
	}
	pub, err := in.bus.PublishCommand(ctx, subject, env)
	if err != nil {
		return Record{}, err
	}
	if pub.Duplicate {
		if err := in.sameRequest(ctx, pub.Seq, env); err != nil {
			return Record{}, err
		}
	}
	rec := Record{ID: id, Kind: req.Kind, Type: env.Type, Deployment: req.Ref.String(), Target: req.Target, Actor: req.Actor,
		AcceptedAt: env.Time, Seq: pub.Seq}
	if req.Target != "" {
		rec.Deployment = ""
	}
	if pub.Duplicate {
		rec.Duplicate = true
		if prev, err := in.Lookup(ctx, id); err == nil {
			prev.Duplicate = true
			return prev, nil
		}
	}
	b, _ := json.Marshal(rec) // a Record always encodes
	if _, err := in.kv.Put(ctx, id, b); err != nil {
		// The command is stored and will be decided; its events will create
		// the operation's document, so this only delays visibility.
		return rec, nil
	}
	return rec, nil
}

// Stored returns the record of req when the intake already holds this very
// request (type, subject and body) under its Idempotency-Key: a retry of a
// command stored before. False when req has no key, nothing is held under
// it, or something else is (Submit answers that one ErrKeyReused). It
// stores nothing, so it answers a retry whose checks could not be made (a
// store down) without accepting a command that was never checked.
func (in *Intake) Stored(ctx context.Context, req Request) (Record, bool, error) {
	if req.IdempotencyKey == "" {
		return Record{}, false, nil
	}
	_, envSubject, scope := req.subjects()
	id := operationID(scope, req.IdempotencyKey)
	rec, err := in.Lookup(ctx, id)
	if errors.Is(err, ErrUnknownOperation) {
		return Record{}, false, nil
	}
	if err != nil {
		return Record{}, false, err
	}
	env, err := events.Wrap(req.Command, events.Meta{ID: id, Source: "/slipway/api", Subject: envSubject, Time: time.Now().UTC(),
		Actor: req.Actor, CorrelationID: id})
	if err != nil {
		return Record{}, false, err
	}
	if err := in.sameRequest(ctx, rec.Seq, env); errors.Is(err, ErrKeyReused) {
		return Record{}, false, nil
	} else if err != nil {
		return Record{}, false, err
	}
	rec.Duplicate = true
	return rec, true, nil
}

// sameRequest checks a duplicate against the command first stored under the id.
func (in *Intake) sameRequest(ctx context.Context, seq uint64, env events.Envelope) error {
	stream, err := in.bus.Stream(ctx, events.StreamCommands)
	if err != nil {
		return fmt.Errorf("commands stream: %w", err)
	}
	raw, err := stream.GetMsg(ctx, seq)
	if err != nil {
		return fmt.Errorf("read first command %d: %w", seq, err)
	}
	first, err := events.Unmarshal(raw.Data)
	if err != nil {
		return err
	}
	if first.Type != env.Type || first.Subject != env.Subject || !bytes.Equal(first.Data, env.Data) {
		return ErrKeyReused
	}
	return nil
}

// Lookup returns the intake's record of an operation.
func (in *Intake) Lookup(ctx context.Context, id string) (Record, error) {
	entry, err := in.kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrInvalidKey) {
		return Record{}, ErrUnknownOperation
	}
	if err != nil {
		return Record{}, fmt.Errorf("lookup operation %s: %w", id, err)
	}
	var rec Record
	if err := json.Unmarshal(entry.Value(), &rec); err != nil {
		return Record{}, fmt.Errorf("decode operation %s: %w", id, err)
	}
	return rec, nil
}

// operationID is derived from the idempotency key, scoped to the project
// (or the target), so a retry maps to the same operation; without a key it
// is random.
func operationID(scope, key string) string {
	if key == "" {
		var b [12]byte
		_, _ = rand.Read(b[:])
		return "op-" + hex.EncodeToString(b[:])
	}
	return events.KeyedOperationID(scope, key)
}
