package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"slipway.dev/pkg/events"
	"slipway.dev/services/api/internal/fault"
)

// Redeliveries asked of a replica that does not run the dispatcher go to
// the one that does (it holds the webhooks lease), over a NATS request:
// each delivery document keeps one writer, that replica's sender.

// messenger is the request and reply over NATS that forwarding needs (a
// *bus.Conn).
type messenger interface {
	Request(ctx context.Context, subject string, data []byte) (*nats.Msg, error)
	Subscribe(subject string, handle nats.MsgHandler) (*nats.Subscription, error)
}

// forwardTimeout bounds a forwarded redelivery (the sender answers once the
// delivery is queued, not attempted).
const forwardTimeout = 10 * time.Second

type redeliverRequest struct {
	Subscription string `json:"subscription"`
	Delivery     string `json:"delivery"`
}

type redeliverReply struct {
	Delivery *Delivery `json:"delivery,omitempty"`
	// Error is "not_found", "unavailable" or a message.
	Error string `json:"error,omitempty"`
}

// forwardRedeliver asks the delivering replica to redeliver.
func (d *Dispatcher) forwardRedeliver(ctx context.Context, id, deliveryID string) (Delivery, error) {
	body, _ := json.Marshal(redeliverRequest{Subscription: id, Delivery: deliveryID}) // always encodes
	ctx, cancel := context.WithTimeout(ctx, forwardTimeout)
	defer cancel()
	msg, err := d.nc.Request(ctx, events.WebhookRedeliverSubject, body)
	if errors.Is(err, nats.ErrNoResponders) {
		return Delivery{}, fmt.Errorf("%w: no api replica is delivering webhooks now", errUnavailable)
	}
	if err != nil {
		return Delivery{}, fmt.Errorf("%w: forward redelivery of %s: %v", errUnavailable, deliveryID, err)
	}
	var reply redeliverReply
	if err := json.Unmarshal(msg.Data, &reply); err != nil {
		return Delivery{}, fmt.Errorf("%w: forward redelivery of %s: %v", errUnavailable, deliveryID, err)
	}
	switch {
	case reply.Error == "not_found":
		return Delivery{}, fmt.Errorf("delivery %s of webhook %s: %w", deliveryID, id, fault.ErrNotFound)
	case reply.Error != "":
		return Delivery{}, fmt.Errorf("%w: %s", errUnavailable, reply.Error)
	case reply.Delivery == nil:
		return Delivery{}, fmt.Errorf("%w: empty answer to a redelivery of %s", errUnavailable, deliveryID)
	}
	return *reply.Delivery, nil
}

// serveRedeliveries answers forwarded redeliveries while ctx (the
// dispatcher's run) lasts.
func (d *Dispatcher) serveRedeliveries(ctx context.Context) (func(), error) {
	sub, err := d.nc.Subscribe(events.WebhookRedeliverSubject, func(m *nats.Msg) {
		go d.answerRedelivery(ctx, m)
	})
	if err != nil {
		return nil, fmt.Errorf("webhooks: serve redeliveries: %w", err)
	}
	return func() { _ = sub.Unsubscribe() }, nil
}

// answerRedelivery redelivers as asked and answers the request.
func (d *Dispatcher) answerRedelivery(ctx context.Context, m *nats.Msg) {
	var req redeliverRequest
	var reply redeliverReply
	if err := json.Unmarshal(m.Data, &req); err != nil {
		reply.Error = "bad request: " + err.Error()
	} else {
		rctx, cancel := context.WithTimeout(ctx, forwardTimeout)
		dl, err := d.redeliverLocal(rctx, req.Subscription, req.Delivery)
		cancel()
		switch {
		case errors.Is(err, fault.ErrNotFound):
			reply.Error = "not_found"
		case err != nil:
			reply.Error = err.Error()
		default:
			reply.Delivery = &dl
		}
	}
	out, _ := json.Marshal(reply) // always encodes
	if err := m.Respond(out); err != nil {
		d.log.WarnContext(ctx, "webhooks: answer a forwarded redelivery", "err", err)
	}
}
