package webhooks

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/validation"
)

// Subscription is a webhook subscription as the API shows it. It has no
// secret: the secret is shown once, in Created, and never again.
type Subscription struct {
	ID  string `json:"id"`
	URL string `json:"url"`
	// Events are the event types delivered, as events.TypePattern: exact
	// types, prefixes ending in "*" (slipway.deployment.rollout_*), or "*".
	Events []string `json:"events"`
	// Project, when set (owner/project), limits deliveries to that project's
	// deployment events.
	Project     string    `json:"project,omitempty"`
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
}

// Created is the answer to creating a subscription: the only time its
// signing secret is returned.
type Created struct {
	Subscription
	Secret string `json:"secret"`
}

// CreateRequest is the body of POST /v1/webhooks.
type CreateRequest struct {
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Project     string   `json:"project,omitempty"`
	Description string   `json:"description,omitempty"`
}

// record is a subscription as stored in the webhooks bucket: with its
// secret (needed to sign) and the EVENTS sequence it starts after.
type record struct {
	Subscription
	// Secret is the signing secret in memory; in the bucket it is sealed
	// (seal.go) when keys are configured.
	Secret string `json:"secret"`
	// openErr is why the stored secret could not be opened (a key missing):
	// attempts then fail with it, in the delivery log, instead of signing wrongly.
	openErr error
	// AfterSeq is the last EVENTS sequence when the subscription was made:
	// it receives the events stored after it, never history.
	AfterSeq uint64 `json:"afterSeq"`
}

const (
	maxEventFilters   = 64
	maxDescriptionLen = 500
)

var idPattern = regexp.MustCompile(`^wh_[0-9a-f]{24}$`)

// validate checks a request, resolving the URL's host with policy; it
// returns every offending field.
func (req CreateRequest) validate(ctx context.Context, policy targetPolicy) error {
	var fe events.FieldErrors
	if msg := policy.checkURL(ctx, req.URL); msg != "" {
		fe = append(fe, events.FieldError{Field: "url", Message: msg})
	}
	fe = append(fe, validateFilters(req.Events)...)
	if req.Project != "" {
		owner, project, ok := strings.Cut(req.Project, "/")
		if !ok || validation.Name("project", owner, 63) != nil || validation.Name("project", project, 63) != nil {
			fe = append(fe, events.FieldError{Field: "project", Message: "must be owner/project, each a DNS label of at most 63 characters"})
		}
	}
	if utf8.RuneCountInString(req.Description) > maxDescriptionLen {
		fe = append(fe, events.FieldError{Field: "description", Message: fmt.Sprintf("must be at most %d characters", maxDescriptionLen)})
	}
	if len(fe) > 0 {
		return fe
	}
	return nil
}

// validateFilters checks each filter with the event type pattern grammar
// (events.TypePattern), the one the event stream's ?type= uses.
func validateFilters(filters []string) events.FieldErrors {
	switch {
	case len(filters) == 0:
		return events.FieldErrors{{Field: "events", Message: `is required: event types, prefixes like "slipway.deployment.rollout_*", or ["*"]`}}
	case len(filters) > maxEventFilters:
		return events.FieldErrors{{Field: "events", Message: fmt.Sprintf("must list at most %d filters", maxEventFilters)}}
	}
	var fe events.FieldErrors
	for i, f := range filters {
		if _, err := events.ParseTypePattern(f); err != nil {
			fe = append(fe, events.FieldError{Field: fmt.Sprintf("events[%d]", i), Message: err.Error()})
		}
	}
	return fe
}

// matches reports whether an event of this type on this subject is for s.
func (s Subscription) matches(eventType, subject string) bool {
	if s.Project != "" {
		ref, ok := events.ParseDeploymentSubject(subject)
		if !ok || ref.Owner+"/"+ref.Project != s.Project {
			return false
		}
	}
	for _, f := range s.Events {
		if events.TypePattern(f).Matches(eventType) {
			return true
		}
	}
	return false
}
