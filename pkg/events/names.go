package events

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
)

// Every stream, subject and bucket name Slipway uses is spelled here and only here.
const (
	// StreamCommands holds commands: requests to change something, accepted by
	// the api and decided by the rollout worker or the promoter.
	StreamCommands = "COMMANDS"
	// StreamEvents holds events: facts, the source of truth and the audit log.
	StreamEvents = "EVENTS"
	// BucketOperations (JetStream KV) records each accepted command's operation
	// until the events that settle it reach the read model.
	BucketOperations = "slipway_operations"
	// BucketTargets (JetStream KV) holds each target's description and
	// instance-type catalogue, published by the rollout workers that serve it.
	BucketTargets = "slipway_targets"
	// BucketTargetStatus (JetStream KV) holds each target's reachability as
	// the workers last checked it: one key per target.
	BucketTargetStatus = "slipway_target_status"
	// BucketRolloutSlots (JetStream KV) is the per-target semaphore that
	// bounds how many rollouts run at once.
	BucketRolloutSlots = "slipway_rollout_slots"
	// BucketLeases (JetStream KV) holds leases that make one replica of a
	// service the only one doing a job (the api's projector).
	BucketLeases = "slipway_leases"
	// BucketWebhooks (JetStream KV) holds the webhook subscriptions, with
	// their signing secrets: one key per subscription.
	BucketWebhooks = "slipway_webhooks"

	CommandSubjects         = "slipway.cmd.>"
	EventSubjects           = "slipway.evt.>"
	DeploymentEventSubjects = "slipway.evt.deployment.>"
	// WebhookRedeliverSubject (core NATS request/reply, stored nowhere)
	// carries a redelivery asked of an api replica that does not deliver
	// webhooks to the one that does.
	WebhookRedeliverSubject = "slipway.internal.webhooks.redeliver"

	// Durable consumer names are identities: renaming one re-consumes its stream.
	ConsumerRolloutWorker  = "rollout-worker"
	ConsumerRolloutDriver  = "rollout-driver"
	ConsumerPromoter       = "promoter"
	ConsumerHealthMonitor  = "health-monitor"
	ConsumerWebhooks       = "webhooks"
	ConsumerTargetRegistry = "target-registry"
	commandSubjectPrefix   = "slipway.cmd."
	deploymentEventsPrefix = "slipway.evt.deployment."
	promotionEventsPrefix  = "slipway.evt.promotion."
	targetEventsPrefix     = "slipway.evt.target."
	// targetSubjectPrefix prefixes a target's envelope subject (targets/<name>),
	// which never has the three parts of a deployment's.
	targetSubjectPrefix = "targets/"
	accessEventsPrefix  = "slipway.evt.access."
	// BucketAPITokens (JetStream KV) holds API tokens by id: their SHA-256
	// hashes, grants and revocation, never the tokens themselves.
	BucketAPITokens = "slipway_api_tokens"
)

// Command kinds, the second token of a command subject.
const (
	KindCreate    = "create"
	KindUpdate    = "update"
	KindRollback  = "rollback"
	KindTerminate = "terminate"
	KindPromote   = "promote"
	KindPause     = "pause"
	KindResume    = "resume"
	KindAbort     = "abort"
	// KindPromoteRollout moves a canary on (KindPromote is a promotion's).
	KindPromoteRollout = "promote_rollout"
	// KindPromoted carries a promotion's spec from the promoter to the worker.
	KindPromoted = "promoted"
	KindAlias    = "alias"
	// KindTarget carries target registrations and removals: slipway.cmd.target.<target>.
	KindTarget = "target"
)

// DeploymentCommandSubjects are the command subjects the rollout worker consumes.
var DeploymentCommandSubjects = []string{
	commandSubjectPrefix + KindCreate + ".>",
	commandSubjectPrefix + KindUpdate + ".>",
	commandSubjectPrefix + KindRollback + ".>",
	commandSubjectPrefix + KindTerminate + ".>",
	commandSubjectPrefix + KindPause + ".>",
	commandSubjectPrefix + KindResume + ".>",
	commandSubjectPrefix + KindAbort + ".>",
	commandSubjectPrefix + KindPromoteRollout + ".>",
	commandSubjectPrefix + KindPromoted + ".>",
	commandSubjectPrefix + KindAlias + ".>",
}

// PromotionCommandSubjects are the command subjects the promoter consumes.
var PromotionCommandSubjects = []string{commandSubjectPrefix + KindPromote + ".>"}

// TargetCommandSubjects are the command subjects the target registry consumes.
var TargetCommandSubjects = []string{commandSubjectPrefix + KindTarget + ".>"}

// TargetCommandSubject is slipway.cmd.target.<target>.
func TargetCommandSubject(target string) string {
	return commandSubjectPrefix + KindTarget + "." + target
}

// TargetSubject is slipway.evt.target.<target>: one target's registration
// history, the unit of optimistic concurrency for target commands.
func TargetSubject(target string) string { return targetEventsPrefix + target }

// TargetName returns the target of a target event subject.
func TargetName(subject string) (string, bool) {
	name, ok := strings.CutPrefix(subject, targetEventsPrefix)
	return name, ok && name != "" && !strings.Contains(name, ".")
}

// TargetEnvelopeSubject is the envelope subject of a target's commands and
// events: targets/<target>.
func TargetEnvelopeSubject(target string) string { return targetSubjectPrefix + target }

// TargetOfEnvelopeSubject is the inverse of TargetEnvelopeSubject.
func TargetOfEnvelopeSubject(subject string) (string, bool) {
	name, ok := strings.CutPrefix(subject, targetSubjectPrefix)
	return name, ok && name != ""
}

// CommandSubject is slipway.cmd.<kind>.<owner>.<project>.<deployment>. Names are
// DNS-1123 labels, validated before they get here, so they are safe tokens.
func CommandSubject(kind string, ref DeploymentRef) string {
	return commandSubjectPrefix + kind + "." + ref.Owner + "." + ref.Project + "." + ref.Name
}

// DeploymentSubject is slipway.evt.deployment.<owner>.<project>.<deployment>:
// one deployment's event history, the unit of optimistic concurrency.
func DeploymentSubject(ref DeploymentRef) string {
	return deploymentEventsPrefix + ref.Owner + "." + ref.Project + "." + ref.Name
}

// ParseDeploymentSubject is the inverse of DeploymentSubject.
func ParseDeploymentSubject(subject string) (DeploymentRef, bool) {
	rest, ok := strings.CutPrefix(subject, deploymentEventsPrefix)
	if !ok {
		return DeploymentRef{}, false
	}
	parts := strings.Split(rest, ".")
	if len(parts) != 3 {
		return DeploymentRef{}, false
	}
	return DeploymentRef{Owner: parts[0], Project: parts[1], Name: parts[2]}, true
}

// PromotionSubject is slipway.evt.promotion.<id>: one promotion's history.
func PromotionSubject(id string) string { return promotionEventsPrefix + id }

// AccessSubject is slipway.evt.access.<owner>.<project>, or
// slipway.evt.access._._ for access decisions outside any project ("_" is
// no DNS label, so it never collides with a name). A denial names whatever
// path the request held, so a part that is not a DNS label (whitespace,
// CR/LF, '.', '*', '>', invalid UTF-8: none a valid subject token) is
// filed under "~" and the first 16 hex digits of its SHA-256: the same
// part always lands on the same subject, and never on a real project's.
func AccessSubject(project string) string {
	owner, name, ok := strings.Cut(project, "/")
	if !ok || owner == "" || name == "" {
		return accessEventsPrefix + "_._"
	}
	return accessEventsPrefix + subjectToken(owner) + "." + subjectToken(name)
}

// dnsLabel is a DNS-1123 label, as names are (pkg/validation checks them).
var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// subjectToken is s when it is a DNS label, else its hashed form.
func subjectToken(s string) string {
	if len(s) <= 63 && dnsLabel.MatchString(s) {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return "~" + hex.EncodeToString(sum[:8])
}

// IsAccessSubject reports whether subject holds access events.
func IsAccessSubject(subject string) bool { return strings.HasPrefix(subject, accessEventsPrefix) }

// PromotionID returns the id of a promotion subject.
func PromotionID(subject string) (string, bool) {
	return strings.CutPrefix(subject, promotionEventsPrefix)
}

// DeploymentRef names a deployment: <owner>/<project>/<name>.
type DeploymentRef struct {
	Owner   string `json:"owner"`
	Project string `json:"project"`
	Name    string `json:"name"`
}

// String is owner/project/name, the deployment's id in read models and URLs.
func (r DeploymentRef) String() string { return r.Owner + "/" + r.Project + "/" + r.Name }
