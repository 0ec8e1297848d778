package events

import "net/url"

// Webhook events record changes to webhook subscriptions, which decide who
// receives a project's events: the api publishes them to EVENTS on the
// access subjects, like the access events, so the audit log shows them with
// their actor. None carries the signing secret, and the URL is redacted
// (RedactURL): a query string or userinfo may hold a receiver's credential.

// WebhookCreated records a new subscription.
type WebhookCreated struct {
	ID string `json:"id"`
	// URL is the receiver's URL, redacted by RedactURL.
	URL    string   `json:"url"`
	Events []string `json:"events"`
	// Project is owner/project; empty: every project's events.
	Project string `json:"project,omitempty"`
}

func (WebhookCreated) Type() string { return "slipway.access.webhook_created.v1" }

// WebhookDeleted records that a subscription was removed.
type WebhookDeleted struct {
	ID      string `json:"id"`
	URL     string `json:"url"`
	Project string `json:"project,omitempty"`
}

func (WebhookDeleted) Type() string { return "slipway.access.webhook_deleted.v1" }

// WebhookRedelivered records that a delivery was queued again.
type WebhookRedelivered struct {
	ID         string `json:"id"`
	DeliveryID string `json:"deliveryId"`
	URL        string `json:"url"`
	Project    string `json:"project,omitempty"`
}

func (WebhookRedelivered) Type() string { return "slipway.access.webhook_redelivered.v1" }

// RedactURL is raw without userinfo, query and fragment, the parts that
// may carry a credential; a URL that does not parse is "(unparsable URL)".
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}
