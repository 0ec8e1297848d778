package webhooks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/events"
	"slipway.dev/services/api/internal/fault"
)

// Run delivers until ctx ends: it loads the subscriptions, resumes the
// pending deliveries, then reads EVENTS from the durable consumer. It
// returns when ctx ends (nil) or the consumer fails, after its senders
// stopped.
func (d *Dispatcher) Run(ctx context.Context) error {
	ready := make(chan struct{})
	d.mu.Lock()
	d.ready = ready
	d.mu.Unlock()
	defer d.stopAll()
	if err := d.subs.watch(ctx, d.stopSender, func(rec record) { d.subscribed(ctx, rec) }); err != nil {
		return nilIfDone(ctx, fmt.Errorf("webhooks: %w", err))
	}
	d.mu.Lock()
	d.runCtx = ctx
	d.mu.Unlock()
	if err := d.resume(ctx); err != nil {
		return nilIfDone(ctx, err)
	}
	close(ready)
	stopServing, err := d.serveRedeliveries(ctx)
	if err != nil {
		return nilIfDone(ctx, err)
	}
	defer stopServing()
	iter, err := d.cons.Messages(jetstream.PullMaxMessages(64))
	if err != nil {
		return fmt.Errorf("webhooks messages: %w", err)
	}
	go func() { <-ctx.Done(); iter.Stop() }()
	return d.consume(ctx, iter)
}

// messages is what consume reads events from (a jetstream.MessagesContext).
type messages interface {
	Next(opts ...jetstream.NextOpt) (jetstream.Msg, error)
}

// consume handles events from iter until it closes or fails. Missed
// heartbeats are not a failure: the consumer's leader moved or its node went
// away (a NATS cluster losing a node), and the iterator pulls again by
// itself. Before, the dispatcher returned the error and took the api down
// with it (found by the fault-injection suite, testsupport/faults).
func (d *Dispatcher) consume(ctx context.Context, iter messages) error {
	for {
		msg, err := iter.Next()
		switch {
		case err == nil:
			d.handle(ctx, msg)
		case ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed):
			return nil
		case errors.Is(err, jetstream.ErrNoHeartbeat):
			d.log.WarnContext(ctx, "webhooks: the events consumer missed heartbeats; pulling again", "err", err)
		default:
			return fmt.Errorf("webhooks next: %w", err)
		}
	}
}

// resume hands every pending delivery to its subscription's sender,
// retrying while the database does not answer.
func (d *Dispatcher) resume(ctx context.Context) error {
	backoff := 100 * time.Millisecond
	for {
		pending, err := d.store.pending(ctx)
		if err == nil {
			for _, dl := range pending {
				if s, err := d.senderFor(dl.Subscription); err == nil { // else its subscription was deleted
					s.enqueue(dl)
				}
			}
			d.log.InfoContext(ctx, "webhooks resumed", "pending", len(pending))
			return nil
		}
		d.log.WarnContext(ctx, "webhooks: reading pending deliveries; retrying", "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// handle records one event's deliveries, hands them to their senders and
// acks the event. When the database fails it naks the event for a later
// retry; deliveries recorded before the failure are not recorded twice.
func (d *Dispatcher) handle(ctx context.Context, msg jetstream.Msg) {
	meta, err := msg.Metadata()
	if err != nil {
		d.log.ErrorContext(ctx, "webhooks: event without metadata", "err", err)
		_ = msg.Term()
		return
	}
	seq := meta.Sequence.Stream
	env, err := events.Unmarshal(msg.Data())
	if err != nil {
		d.log.ErrorContext(ctx, "webhooks: skipping malformed event", "seq", seq, "err", err)
		_ = msg.Term()
		return
	}
	// Before matching: a subscription this view learns of after the match
	// then sees seq as matched and backfills it (backfill).
	d.matching.Store(seq)
	for _, rec := range d.subs.match(env.Type, msg.Subject(), seq) {
		if err := d.record(ctx, rec, env, seq, msg.Data()); err != nil {
			if errors.Is(err, errStopping) {
				return // unacked, read again at the next start
			}
			d.log.WarnContext(ctx, "webhooks: recording deliveries; will retry the event", "seq", seq, "err", err)
			_ = msg.NakWithDelay(2 * time.Second)
			return
		}
	}
	if err := msg.Ack(); err != nil {
		d.log.WarnContext(ctx, "webhooks: ack", "seq", seq, "err", err)
	}
}

// senderFor returns the subscription's sender, starting it if needed. A
// subscription leaves the view before stopSender runs for it, and both this
// and stopSender hold d.mu, so no sender outlives its subscription.
func (d *Dispatcher) senderFor(id string) (*sender, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.runCtx == nil || d.runCtx.Err() != nil {
		return nil, fmt.Errorf("%w: dispatcher not running", errUnavailable)
	}
	if s, ok := d.senders[id]; ok {
		return s, nil
	}
	if _, ok := d.subs.lookup(id); !ok {
		return nil, fmt.Errorf("webhook %s: %w", id, fault.ErrNotFound)
	}
	s := newSender(d, id)
	d.senders[id] = s
	d.wg.Add(1)
	go func() { defer d.wg.Done(); s.run() }()
	return s, nil
}

// stopSender stops a deleted subscription's sender; its attempts in flight
// are cancelled.
func (d *Dispatcher) stopSender(id string) {
	d.mu.Lock()
	s, ok := d.senders[id]
	delete(d.senders, id)
	d.mu.Unlock()
	if ok {
		s.cancel()
	}
}

// stopAll stops every sender and waits for them.
func (d *Dispatcher) stopAll() {
	d.mu.Lock()
	d.runCtx, d.ready = nil, nil
	for id, s := range d.senders {
		s.cancel()
		delete(d.senders, id)
	}
	d.mu.Unlock()
	d.wg.Wait()
}

func nilIfDone(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// errStopping means the dispatcher stopped while recording a delivery.
var errStopping = errors.New("webhooks: dispatcher stopping")

// record records the delivery of one event to one subscription and hands it
// to the subscription's sender.
//
// A delivery recorded before is handed over too while it is pending: the
// event read again or backfilled finds one its sender has (the sender keeps
// a delivery it holds once), but an insert can also write the document and
// fail (the store stopped before answering, and the driver's retry of the
// insert found it present, or the event was nakked and read again), and
// then no sender has it. Left alone, it stayed pending until the api
// restarted (found by the fault-injection suite, testsupport/faults). A
// pending copy read just as its sender finishes the delivery may send it
// once more: deliveries are at least once, under one webhook-id.
func (d *Dispatcher) record(ctx context.Context, rec record, env events.Envelope, seq uint64, body []byte) error {
	now := d.clock.Now().UTC().Truncate(time.Millisecond)
	dl := Delivery{ID: deliveryID(env.ID, rec.ID), Subscription: rec.ID, EventID: env.ID, EventType: env.Type, EventSeq: seq,
		State: StatePending, NextAttemptAt: &now, CreatedAt: now, Body: string(body)}
	created, err := d.store.insert(ctx, dl)
	if err != nil {
		return err
	}
	if !created {
		if dl, err = d.store.get(ctx, rec.ID, dl.ID); err != nil {
			return err
		}
		if dl.State != StatePending {
			return nil
		}
	}
	s, err := d.senderFor(rec.ID)
	if errors.Is(err, fault.ErrNotFound) {
		return nil // deleted meanwhile
	}
	if err != nil {
		return errStopping
	}
	s.enqueue(dl)
	return nil
}

// backfill records the deliveries a subscription missed: one made through
// another api replica reaches this view by the bucket's watch, possibly
// after events stored after its AfterSeq were matched here without it. It
// reads those events (AfterSeq, upTo] again; delivery ids are derived from
// event and subscription, so none is recorded twice.
func (d *Dispatcher) backfill(ctx context.Context, rec record, upTo uint64) {
	for seq := rec.AfterSeq + 1; seq <= upTo && ctx.Err() == nil; seq++ {
		msg, err := d.subs.stream.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			d.log.WarnContext(ctx, "webhooks: backfill of a new subscription stopped", "webhook", rec.ID, "seq", seq, "err", err)
			return
		}
		env, err := events.Unmarshal(msg.Data)
		if err != nil || !rec.matches(env.Type, msg.Subject) {
			continue
		}
		if err := d.record(ctx, rec, env, seq, msg.Data); err != nil {
			d.log.WarnContext(ctx, "webhooks: backfill of a new subscription stopped", "webhook", rec.ID, "seq", seq, "err", err)
			return
		}
	}
}

// subscribed is told (on the watch's goroutine) of each subscription the
// view gains; one that starts before an event already matched here is
// backfilled there and then: a few events, in the window between its
// creation on another replica and this view learning of it.
func (d *Dispatcher) subscribed(ctx context.Context, rec record) {
	if upTo := d.matching.Load(); upTo > rec.AfterSeq {
		d.backfill(ctx, rec, upTo)
	}
}
