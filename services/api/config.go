package api

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"time"

	"slipway.dev/pkg/bus"
	"slipway.dev/pkg/telemetry"
	"slipway.dev/services/api/internal/eventfeed"
	"slipway.dev/services/api/internal/webhooks"
)

// Config is everything the api needs, read once at start.
type Config struct {
	HTTPAddr string
	// Listener, when set, is served instead of listening on HTTPAddr (tests
	// and slipway dev listen on :0 and pass it).
	Listener net.Listener
	NATSURL  string
	// StreamReplicas is how many copies of every stream and bucket this
	// service declares, on as many nodes of the NATS cluster: live ones with
	// fewer are raised in place, never lowered (0: 1; bus.WithReplicas).
	StreamReplicas int
	MongoURI       string
	MongoDB        string
	// AllowPrivateWebhookTargets lets webhook URLs reach loopback and
	// private addresses (tests and `slipway dev` use 127.0.0.1 receivers).
	// Link-local and cloud metadata addresses are refused regardless.
	AllowPrivateWebhookTargets bool
	Auth                       AuthConfig
	Logger                     *slog.Logger
	// InstanceID names this replica in the projector's lease (the read
	// models have one writer: the replica holding it). Default: host name
	// and process id; a replica restarting under the same id takes its lease
	// back at once.
	InstanceID string
	// WebhookKeyFile holds the keys that seal webhook signing secrets at
	// rest: one base64 32-byte key per line, the sealing key first (older
	// ones still open what they sealed). WebhookKeys gives them in code.
	WebhookKeyFile string
	WebhookKeys    [][]byte
	// WebhookSecretsUnsealed stores signing secrets plain instead: without
	// keys the api refuses to start unless this is set.
	WebhookSecretsUnsealed bool
	// WebhookRetrySchedule is the wait before each retry of a failed
	// webhook delivery (see webhooks.Retry); empty: the Standard Webhooks
	// schedule 5s,5m,30m,2h,5h,10h,10h.
	WebhookRetrySchedule []time.Duration
	// ProjectorLeaseTTL is how long the leases of the projector and of the
	// webhook dispatcher last unrenewed; a replica that dies holding one is
	// replaced after this. Default 30s.
	ProjectorLeaseTTL time.Duration
	// MaxEventStreams caps the /v1/events subscriptions this replica holds
	// at once (each is a JetStream consumer); past it, opening one answers
	// 503 with Retry-After. Default eventfeed.DefaultMaxSubscriptions.
	MaxEventStreams int
}

// Environment variables the api reads (docker-compose and deployments/ use these names).
const (
	EnvHTTPAddr = "SLIPWAY_HTTP_ADDR"
	EnvNATSURL  = "SLIPWAY_NATS_URL"
	// EnvStreamReplicas sets StreamReplicas.
	EnvStreamReplicas = bus.EnvStreamReplicas
	EnvMongoURI       = "SLIPWAY_MONGO_URI"
	EnvMongoDB        = "SLIPWAY_MONGO_DB"
	// EnvWebhooksAllowPrivate ("true") sets AllowPrivateWebhookTargets.
	EnvWebhooksAllowPrivate = "SLIPWAY_WEBHOOKS_ALLOW_PRIVATE"
	// EnvInstanceID sets InstanceID (deployments/ pass the pod name).
	EnvInstanceID = "SLIPWAY_INSTANCE_ID"
	// EnvWebhookKeyFile sets WebhookKeyFile; EnvWebhookSecretsUnsealed ("true")
	// sets WebhookSecretsUnsealed.
	EnvWebhookKeyFile         = "SLIPWAY_WEBHOOK_KEY_FILE"
	EnvWebhookSecretsUnsealed = "SLIPWAY_WEBHOOK_SECRETS_UNSEALED"
	// EnvWebhookRetrySchedule sets WebhookRetrySchedule: durations separated
	// by commas, like 5s,5m,30m,2h,5h,10h,10h.
	EnvWebhookRetrySchedule = "SLIPWAY_WEBHOOK_RETRY_SCHEDULE"
	// EnvMaxEventStreams sets MaxEventStreams.
	EnvMaxEventStreams = "SLIPWAY_MAX_EVENT_STREAMS"
)

// EnvVars lists every environment variable the api reads.
func EnvVars() []string {
	return append([]string{EnvHTTPAddr, EnvNATSURL, EnvStreamReplicas, EnvMongoURI, EnvMongoDB, EnvWebhooksAllowPrivate, EnvInstanceID,
		EnvWebhookKeyFile, EnvWebhookSecretsUnsealed, EnvWebhookRetrySchedule, EnvMaxEventStreams, telemetry.EnvLogLevel, telemetry.EnvPprofAddr}, authEnvVars()...)
}

// LoadConfig reads flags, falling back to the environment, then to defaults.
func LoadConfig(args []string, getenv func(string) string) (Config, error) {
	fs := flag.NewFlagSet("api", flag.ContinueOnError)
	var cfg Config
	fs.StringVar(&cfg.HTTPAddr, "addr", envOr(getenv, EnvHTTPAddr, ":8080"), "HTTP listen address")
	fs.StringVar(&cfg.NATSURL, "nats-url", envOr(getenv, EnvNATSURL, "nats://127.0.0.1:4222"), "NATS server URL")
	fs.StringVar(&cfg.MongoURI, "mongo-uri", envOr(getenv, EnvMongoURI, "mongodb://127.0.0.1:27017"), "MongoDB connection string")
	fs.StringVar(&cfg.MongoDB, "mongo-db", envOr(getenv, EnvMongoDB, "slipway"), "MongoDB database")
	fs.BoolVar(&cfg.AllowPrivateWebhookTargets, "webhooks-allow-private", getenv(EnvWebhooksAllowPrivate) == "true",
		"let webhook URLs reach loopback and private addresses")
	fs.StringVar(&cfg.WebhookKeyFile, "webhook-key-file", getenv(EnvWebhookKeyFile),
		"file of base64 keys sealing webhook signing secrets at rest, the sealing key first (`openssl rand -base64 32`)")
	fs.BoolVar(&cfg.WebhookSecretsUnsealed, "webhook-secrets-unsealed", getenv(EnvWebhookSecretsUnsealed) == "true",
		"store webhook signing secrets unencrypted (without a key file)")
	fs.Func("webhook-retry-schedule", "waits before each retry of a failed webhook delivery, like 5s,5m,30m,2h,5h,10h,10h (the default)",
		func(s string) (err error) { cfg.WebhookRetrySchedule, err = webhooks.ParseSchedule(s); return err })
	if s := getenv(EnvWebhookRetrySchedule); s != "" {
		schedule, err := webhooks.ParseSchedule(s)
		if err != nil {
			return Config{}, fmt.Errorf("%s: %w", EnvWebhookRetrySchedule, err)
		}
		cfg.WebhookRetrySchedule = schedule
	}
	fs.StringVar(&cfg.InstanceID, "instance-id", envOr(getenv, EnvInstanceID, defaultInstanceID()), "this replica's name in the projector's lease")
	streams, _ := strconv.Atoi(envOr(getenv, EnvMaxEventStreams, strconv.Itoa(eventfeed.DefaultMaxSubscriptions)))
	fs.IntVar(&cfg.MaxEventStreams, "max-event-streams", streams, "open /v1/events subscriptions per replica")
	cfg.Auth.flags(fs, getenv)
	if err := bus.ReplicasFlag(fs, &cfg.StreamReplicas, getenv); err != nil {
		return Config{}, err
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	return cfg, cfg.Validate()
}

// Validate reports what is missing.
func (c Config) Validate() error {
	var errs []error
	if c.HTTPAddr == "" && c.Listener == nil {
		errs = append(errs, errors.New("http address is required"))
	}
	if c.NATSURL == "" {
		errs = append(errs, errors.New("nats url is required"))
	}
	if c.StreamReplicas != 0 {
		if err := bus.CheckReplicas(c.StreamReplicas); err != nil {
			errs = append(errs, err)
		}
	}
	if c.MongoURI == "" || c.MongoDB == "" {
		errs = append(errs, errors.New("mongodb uri and database are required"))
	}
	if c.WebhookKeyFile == "" && len(c.WebhookKeys) == 0 && !c.WebhookSecretsUnsealed {
		errs = append(errs, errors.New("webhook signing secrets need a key to be sealed at rest: set "+EnvWebhookKeyFile+
			" (a file with `openssl rand -base64 32` in it), or "+EnvWebhookSecretsUnsealed+"=true to store them unencrypted"))
	}
	if err := webhooks.ValidateSchedule(c.WebhookRetrySchedule); err != nil {
		errs = append(errs, err)
	}
	if c.MaxEventStreams < 0 {
		errs = append(errs, errors.New("max event streams must not be negative"))
	}
	if c.ProjectorLeaseTTL < 0 {
		errs = append(errs, errors.New("projector lease ttl must not be negative"))
	}
	if err := c.Auth.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// defaultInstanceID is host/pid: unique among replicas, and stable across a
// container's restarts in Kubernetes (the pod name, process 1).
func defaultInstanceID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "api"
	}
	return fmt.Sprintf("%s/%d", host, os.Getpid())
}

// withDefaults fills what a Config built in code may leave out.
func (c Config) withDefaults() Config {
	if c.InstanceID == "" {
		c.InstanceID = defaultInstanceID()
	}
	if c.ProjectorLeaseTTL == 0 {
		c.ProjectorLeaseTTL = 30 * time.Second
	}
	if c.MaxEventStreams == 0 {
		c.MaxEventStreams = eventfeed.DefaultMaxSubscriptions
	}
	return c
}

// GenerateWebhookKey returns a new key for a webhook key file (base64 of
// 32 random bytes), as `openssl rand -base64 32` makes one.
func GenerateWebhookKey() string {
	key := make([]byte, webhooks.KeySize)
	_, _ = rand.Read(key) // never fails (crypto/rand)
	return base64.StdEncoding.EncodeToString(key)
}
