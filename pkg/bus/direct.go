package bus

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/events"
)

// Direct gets (ADR-31) read stored messages from any server holding EVENTS
// (AllowDirect) without a consumer: a request, its replies, nothing left on
// the server. The raw API is used rather than orbit.go's jetstreamext, which
// would move the whole workspace to another nats.go for two small requests.

// historyBatch is the most events one direct get returns; a longer history
// takes more requests. The server may also stop a batch early at its byte
// limit, so the end is what the server says is pending, not a short page.
const historyBatch = 256

// directTimeout bounds a direct get whose context has no deadline, like the
// JetStream context's default timeout.
const directTimeout = 10 * time.Second

var directSubject = "$JS.API.DIRECT.GET." + events.StreamEvents

// directRequest is the server's JSApiMsgGetRequest, the fields used here.
type directRequest struct {
	Seq     uint64 `json:"seq,omitempty"`
	LastFor string `json:"last_by_subj,omitempty"`
	NextFor string `json:"next_by_subj,omitempty"`
	Batch   int    `json:"batch,omitempty"`
}

// Status lines of direct get replies, as nats.go puts them in headers.
const (
	statusHeader     = "Status"
	descrHeader      = "Description"
	statusEndOfBatch = "204"
	statusNotFound   = "404"
	numPendingHeader = "Nats-Num-Pending"
)

// directBatch returns up to historyBatch events of subject from sequence
// from on, in order, and whether more are pending after them.
func (c *Conn) directBatch(ctx context.Context, subject string, from uint64) ([]Record, bool, error) {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	req, err := json.Marshal(directRequest{Seq: from, NextFor: subject, Batch: historyBatch})
	if err != nil {
		return nil, false, err
	}
	// A channel that holds the whole answer (the batch and its end), not
	// SubscribeSync's: that allocates nats.go's default pending channel,
	// 64 Ki messages (512 KiB), per read, which was three quarters of the
	// worker's allocations at 10,000 deployments and what its RSS peaks
	// were made of (issue 15). The server sends no more, so none is dropped.
	replies := make(chan *nats.Msg, historyBatch+1)
	sub, err := c.nc.ChanSubscribe(c.nc.NewInbox(), replies)
	if err != nil {
		return nil, false, fmt.Errorf("direct get: %w", err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	if err := c.nc.PublishRequest(directSubject, sub.Subject, req); err != nil {
		return nil, false, fmt.Errorf("direct get: %w", err)
	}
	var out []Record
	for {
		var msg *nats.Msg
		select {
		case msg = <-replies:
		case <-ctx.Done():
			return nil, false, fmt.Errorf("direct get after %d of %d: %w", len(out), historyBatch, ctx.Err())
		}
		switch status := msg.Header.Get(statusHeader); status {
		case "":
		case statusEndOfBatch:
			pending, err := strconv.ParseUint(msg.Header.Get(numPendingHeader), 10, 64)
			if err != nil {
				return nil, false, fmt.Errorf("direct get: end of batch without %s: %w", numPendingHeader, err)
			}
			return out, pending > 0, nil
		case statusNotFound:
			return out, false, nil // nothing at or after from
		default:
			return nil, false, fmt.Errorf("direct get: %s %s", status, msg.Header.Get(descrHeader))
		}
		rec, err := decodeDirect(msg)
		if err != nil {
			return nil, false, err
		}
		out = append(out, rec)
	}
}

// directNext returns the first event of subject at or after sequence from,
// with one single-message direct get: unlike a batch, the server counts
// nothing pending after it. ok is false when there is none.
func (c *Conn) directNext(ctx context.Context, subject string, from uint64) (Record, bool, error) {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	req, err := json.Marshal(directRequest{Seq: from, NextFor: subject})
	if err != nil {
		return Record{}, false, err
	}
	msg, err := c.nc.RequestWithContext(ctx, directSubject, req)
	if err != nil {
		return Record{}, false, fmt.Errorf("direct get: %w", err)
	}
	switch status := msg.Header.Get(statusHeader); status {
	case "":
		rec, err := decodeDirect(msg)
		return rec, err == nil, err
	case statusNotFound:
		return Record{}, false, nil
	default:
		return Record{}, false, fmt.Errorf("direct get: %s %s", status, msg.Header.Get(descrHeader))
	}
}

// directLast returns the sequence of the last event of subject, 0 if none.
func (c *Conn) directLast(ctx context.Context, subject string) (uint64, error) {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	req, err := json.Marshal(directRequest{LastFor: subject})
	if err != nil {
		return 0, err
	}
	msg, err := c.nc.RequestWithContext(ctx, directSubject, req)
	if err != nil {
		return 0, fmt.Errorf("direct get: %w", err)
	}
	switch status := msg.Header.Get(statusHeader); status {
	case "":
		return sequenceOf(msg)
	case statusNotFound:
		return 0, nil
	default:
		return 0, fmt.Errorf("direct get: %s %s", status, msg.Header.Get(descrHeader))
	}
}

func decodeDirect(msg *nats.Msg) (Record, error) {
	seq, err := sequenceOf(msg)
	if err != nil {
		return Record{}, err
	}
	return Decode(seq, msg.Data)
}

func sequenceOf(msg *nats.Msg) (uint64, error) {
	seq, err := strconv.ParseUint(msg.Header.Get(jetstream.SequenceHeader), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("direct get: reply without %s: %w", jetstream.SequenceHeader, err)
	}
	return seq, nil
}

func withDefaultTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, directTimeout)
}
