package webhooks

import (
	"errors"
	"net/url"

	"slipway.dev/pkg/events"
)

// A receiver's URL may carry its credential in the query string (userinfo
// is refused at creation): the full URL is returned only to its creator, in
// Create's answer, and is used to deliver. Reads (Get, List), delivery
// errors and logs show it redacted.

// redactURL is raw without userinfo, query and fragment, as the audit
// events carry it (events.RedactURL).
func redactURL(raw string) string { return events.RedactURL(raw) }

// redacted is the subscription as reads show it.
func (s Subscription) redacted() Subscription {
	s.URL = redactURL(s.URL)
	return s
}

// redactError redacts the URL an HTTP client's error names (net/http masks
// a password there, not a query string).
func redactError(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	return &url.Error{Op: ue.Op, URL: redactURL(ue.URL), Err: ue.Err}
}
