package api

import (
	"errors"
	"flag"
	"log/slog"
	"net"
	"slipway.dev/pkg/telemetry"
)

// Config is everything the api needs, read once at start.
type Config struct {
	HTTPAddr string
	// Listener, when set, is served instead of listening on HTTPAddr (tests
	// and slipway dev listen on :0 and pass it).
	Listener net.Listener
	NATSURL  string
	MongoURI string
	MongoDB  string
	// AllowPrivateWebhookTargets lets webhook URLs reach loopback and
	// private addresses (tests and `slipway dev` use 127.0.0.1 receivers).
	// Link-local and cloud metadata addresses are refused regardless.
	AllowPrivateWebhookTargets bool
	Auth                       AuthConfig
	Logger                     *slog.Logger
}

// Environment variables the api reads (docker-compose and deployments/ use these names).
const (
	EnvHTTPAddr = "SLIPWAY_HTTP_ADDR"
	EnvNATSURL  = "SLIPWAY_NATS_URL"
	EnvMongoURI = "SLIPWAY_MONGO_URI"
	EnvMongoDB  = "SLIPWAY_MONGO_DB"
	// EnvWebhooksAllowPrivate ("true") sets AllowPrivateWebhookTargets.
	EnvWebhooksAllowPrivate = "SLIPWAY_WEBHOOKS_ALLOW_PRIVATE"
)

// EnvVars lists every environment variable the api reads.
func EnvVars() []string {
	return append([]string{EnvHTTPAddr, EnvNATSURL, EnvMongoURI, EnvMongoDB, EnvWebhooksAllowPrivate, telemetry.EnvLogLevel}, authEnvVars()...)
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
	cfg.Auth.flags(fs, getenv)
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
	if c.MongoURI == "" || c.MongoDB == "" {
		errs = append(errs, errors.New("mongodb uri and database are required"))
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
