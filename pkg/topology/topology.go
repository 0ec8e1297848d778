// Package topology is the JetStream topology Slipway declares: the
// configuration of its streams, durable consumers and KV buckets (their
// names are the wire contract's, in pkg/events). pkg/bus declares them at
// connect; services that own a consumer or bucket create it from here.
package topology

import (
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"slipway.dev/pkg/events"
)

// IdempotencyWindow is how long an Idempotency-Key (the command's Nats-Msg-Id)
// is remembered: a retry within it returns the first operation and has no
// second effect.
const IdempotencyWindow = 24 * time.Hour

// CommandsStream is the COMMANDS stream: file storage, deduplicated over the
// idempotency window, kept 30 days for audit of what was asked.
func CommandsStream() jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        events.StreamCommands,
		Description: "Slipway commands: requests accepted by the api",
		Subjects:    []string{events.CommandSubjects},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		MaxAge:      30 * 24 * time.Hour,
		Duplicates:  IdempotencyWindow,
		AllowDirect: true,
	}
}

// EventsStream is the EVENTS stream: the source of truth, kept forever.
// Appends to one deployment's subject use Nats-Expected-Last-Subject-Sequence.
func EventsStream() jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        events.StreamEvents,
		Description: "Slipway events: the source of truth and audit log",
		Subjects:    []string{events.EventSubjects},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Duplicates:  10 * time.Minute,
		AllowDirect: true,
	}
}

// OperationsBucket records accepted operations until their events settle them.
func OperationsBucket() jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket:      events.BucketOperations,
		Description: "Slipway operations accepted by the api",
		TTL:         7 * 24 * time.Hour,
		Storage:     jetstream.FileStorage,
		History:     1,
	}
}

// RolloutWorkerConsumer is the durable pull consumer the rollout workers share
// on COMMANDS. One command is outstanding at a time (MaxAckPending 1), so
// however many workers share it, commands are decided in stream order, and a
// deployment's commands in the order they were accepted. A decision takes
// milliseconds (fold, decide, append); rollouts, the slow part, run on the
// driver consumer in parallel. AckWait bounds how long a crashed worker
// holds the line.
func RolloutWorkerConsumer() jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:        events.ConsumerRolloutWorker,
		FilterSubjects: events.DeploymentCommandSubjects,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        10 * time.Second,
		MaxDeliver:     -1,
		MaxAckPending:  1,
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	}
}

// RolloutDriverConsumer is the durable pull consumer on EVENTS through which
// workers drive rollouts: an event that needs Kubernetes changes stays
// unacknowledged while its rollout runs (kept alive with InProgress), so a
// worker that dies hands it to another after AckWait.
func RolloutDriverConsumer() jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:       events.ConsumerRolloutDriver,
		FilterSubject: events.DeploymentEventSubjects,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       RolloutLease,
		MaxDeliver:    -1,
		MaxAckPending: 1024,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	}
}

// RolloutLease is how long a rollout stays with a worker that stopped
// heartbeating before another worker adopts it.
const RolloutLease = 15 * time.Second

// PromoterConsumer is the promoter's durable pull consumer on COMMANDS.
func PromoterConsumer() jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:        events.ConsumerPromoter,
		FilterSubjects: events.PromotionCommandSubjects,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        30 * time.Second,
		MaxDeliver:     -1,
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	}
}

// TargetsBucket describes the targets the workers serve: one key per target.
func TargetsBucket() jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket:      events.BucketTargets,
		Description: "Slipway targets and their instance-type catalogues",
		Storage:     jetstream.FileStorage,
		History:     5,
	}
}

// TargetStatusBucket holds each target's last reachability check.
func TargetStatusBucket() jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket:      events.BucketTargetStatus,
		Description: "Slipway targets' reachability as the workers last checked it",
		Storage:     jetstream.FileStorage,
		History:     1,
	}
}

// TargetRegistryConsumer is the workers' durable pull consumer of target
// commands on COMMANDS: one outstanding at a time, so a target's commands
// are decided in the order they were accepted. It is separate from the
// deployment commands' consumer: registering a target never waits behind
// them, nor they behind it.
func TargetRegistryConsumer() jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:        events.ConsumerTargetRegistry,
		FilterSubjects: events.TargetCommandSubjects,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        10 * time.Second,
		MaxDeliver:     -1,
		MaxAckPending:  1,
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	}
}

// RolloutSlotsBucket holds the rollout slots of every target.
func RolloutSlotsBucket() jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket:      events.BucketRolloutSlots,
		Description: "Slipway rollout slots: how many rollouts run at once per target",
		Storage:     jetstream.FileStorage,
		History:     1,
	}
}

// LeasesBucket holds leases: one key per job, its holder and expiry.
func LeasesBucket() jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket:      events.BucketLeases,
		Description: "Slipway leases: which replica does a single-writer job",
		Storage:     jetstream.FileStorage,
		History:     1,
	}
}

// WebhooksConsumer is the api's durable pull consumer on EVENTS that fans
// events out to webhook subscriptions. It starts with the events stored
// after it is first created (subscribers never receive history). An event
// is acked once its deliveries are recorded, not delivered, so a slow
// receiver never holds the stream; AckWait bounds how long a crashed
// dispatcher holds an event.
func WebhooksConsumer() jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:       events.ConsumerWebhooks,
		FilterSubject: events.EventSubjects,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       30 * time.Second,
		MaxDeliver:    -1,
		MaxAckPending: 256,
		DeliverPolicy: jetstream.DeliverNewPolicy,
	}
}

// WebhooksBucket holds the webhook subscriptions: one key per subscription.
// A deleted subscription is purged, secret included.
func WebhooksBucket() jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket:      events.BucketWebhooks,
		Description: "Slipway webhook subscriptions",
		Storage:     jetstream.FileStorage,
		History:     1,
	}
}

// APITokensBucket holds API tokens by id, as hashes: a token's secret part
// is shown once at creation and never stored.
func APITokensBucket() jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket:      events.BucketAPITokens,
		Description: "Slipway API tokens (hashes, grants, revocation)",
		Storage:     jetstream.FileStorage,
		History:     1,
	}
}
