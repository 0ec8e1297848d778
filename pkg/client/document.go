package client

import (
	"bytes"
	"encoding/json"
)

// Document keeps the JSON an answer was decoded from, exactly as the API
// sent it: the fields of a newer API this client does not know included.
type Document struct{ raw json.RawMessage }

// JSON returns the answer as the API sent it (nil for a value not decoded
// from an answer).
func (d Document) JSON() json.RawMessage { return d.raw }

// keep decodes b into v (a type without this UnmarshalJSON, so no
// recursion) and keeps b in d.
func keep(b []byte, v any, d *Document) error {
	if err := json.Unmarshal(b, v); err != nil {
		return err
	}
	d.raw = bytes.Clone(bytes.TrimSpace(b))
	return nil
}

// The answer types keep their JSON. Each converts to a type of the same
// fields without methods, which decodes as encoding/json always does.

func (d *Deployment) UnmarshalJSON(b []byte) error {
	type plain Deployment
	return keep(b, (*plain)(d), &d.Document)
}

func (o *Operation) UnmarshalJSON(b []byte) error {
	type plain Operation
	return keep(b, (*plain)(o), &o.Document)
}

func (r *Revision) UnmarshalJSON(b []byte) error {
	type plain Revision
	return keep(b, (*plain)(r), &r.Document)
}

func (d *Diff) UnmarshalJSON(b []byte) error {
	type plain Diff
	return keep(b, (*plain)(d), &d.Document)
}

func (p *Promotion) UnmarshalJSON(b []byte) error {
	type plain Promotion
	return keep(b, (*plain)(p), &p.Document)
}

func (t *Target) UnmarshalJSON(b []byte) error {
	type plain Target
	return keep(b, (*plain)(t), &t.Document)
}

func (t *Token) UnmarshalJSON(b []byte) error {
	type plain Token
	return keep(b, (*plain)(t), &t.Document)
}

func (t *CreatedToken) UnmarshalJSON(b []byte) error {
	type plain CreatedToken
	return keep(b, (*plain)(t), &t.Document)
}

func (w *Whoami) UnmarshalJSON(b []byte) error {
	type plain Whoami
	return keep(b, (*plain)(w), &w.Document)
}

func (w *Webhook) UnmarshalJSON(b []byte) error {
	type plain Webhook
	return keep(b, (*plain)(w), &w.Document)
}

func (w *CreatedWebhook) UnmarshalJSON(b []byte) error {
	type plain CreatedWebhook
	return keep(b, (*plain)(w), &w.Document)
}

func (d *WebhookDelivery) UnmarshalJSON(b []byte) error {
	type plain WebhookDelivery
	return keep(b, (*plain)(d), &d.Document)
}

func (s *Status) UnmarshalJSON(b []byte) error {
	type plain Status
	return keep(b, (*plain)(s), &s.Document)
}

// pagePlain is Page without its UnmarshalJSON.
type pagePlain[T any] Page[T]

func (p *Page[T]) UnmarshalJSON(b []byte) error {
	return keep(b, (*pagePlain[T])(p), &p.Document)
}
