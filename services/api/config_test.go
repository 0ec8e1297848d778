package api

import (
	"errors"
	"slices"
	"testing"
	"time"

	"slipway.dev/services/api/internal/eventfeed"
	"slipway.dev/services/api/internal/webhooks"
)

func TestWebhookRetryScheduleConfig(t *testing.T) {
	base := map[string]string{EnvWebhookSecretsUnsealed: "true", EnvInsecureNoAuth: "true"}
	tests := []struct {
		name string
		args []string
		env  string
		want []time.Duration // nil: the dispatcher's default
		ok   bool
	}{
		{name: "default", ok: true},
		{name: "from the environment", env: "1m,1h", want: []time.Duration{time.Minute, time.Hour}, ok: true},
		{name: "the flag wins", args: []string{"-webhook-retry-schedule", "30s"}, env: "1m,1h", want: []time.Duration{30 * time.Second}, ok: true},
		{name: "not durations", env: "soon", ok: false},
		{name: "a zero wait", env: "5s,0s", ok: false},
		{name: "a wait above a week", args: []string{"-webhook-retry-schedule", "200h"}, ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{EnvWebhookRetrySchedule: tt.env}
			for k, v := range base {
				env[k] = v
			}
			cfg, err := LoadConfig(tt.args, func(k string) string { return env[k] })
			if (err == nil) != tt.ok {
				t.Fatalf("LoadConfig: %v, want ok=%v", err, tt.ok)
			}
			if err != nil {
				if tt.args == nil && !errors.Is(err, webhooks.ErrSchedule) {
					t.Fatalf("error %v is not webhooks.ErrSchedule", err)
				}
				return
			}
			if !slices.Equal(cfg.WebhookRetrySchedule, tt.want) {
				t.Fatalf("schedule %v, want %v", cfg.WebhookRetrySchedule, tt.want)
			}
		})
	}
	bad := Config{HTTPAddr: ":0", NATSURL: "nats://x", MongoURI: "mongodb://x", MongoDB: "d", WebhookSecretsUnsealed: true,
		WebhookRetrySchedule: []time.Duration{-time.Second}}
	if err := bad.Validate(); !errors.Is(err, webhooks.ErrSchedule) {
		t.Fatalf("Validate of a negative wait: %v", err)
	}
}

// TestMaxEventStreams: the cap on open /v1/events streams comes from the
// flag, else the environment, else the default; a negative one is refused.
func TestMaxEventStreams(t *testing.T) {
	base := map[string]string{EnvWebhookSecretsUnsealed: "true", EnvInsecureNoAuth: "true"}
	tests := []struct {
		name    string
		args    []string
		env     string
		want    int
		wantErr bool
	}{
		{name: "default", want: eventfeed.DefaultMaxSubscriptions},
		{name: "environment", env: "7", want: 7},
		{name: "flag over environment", args: []string{"-max-event-streams", "9"}, env: "7", want: 9},
		{name: "negative", args: []string{"-max-event-streams", "-1"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == EnvMaxEventStreams {
					return tt.env
				}
				return base[k]
			}
			cfg, err := LoadConfig(tt.args, getenv)
			if (err != nil) != tt.wantErr {
				t.Fatalf("LoadConfig: %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && cfg.MaxEventStreams != tt.want {
				t.Fatalf("MaxEventStreams = %d, want %d", cfg.MaxEventStreams, tt.want)
			}
		})
	}
}

// TestStreamReplicas: the replica count of streams and buckets comes from
// the flag, else SLIPWAY_STREAM_REPLICAS, else 1; one JetStream refuses is
// refused at start, and a Config built in code with 0 means 1.
func TestStreamReplicas(t *testing.T) {
	base := map[string]string{EnvWebhookSecretsUnsealed: "true", EnvInsecureNoAuth: "true"}
	tests := []struct {
		name    string
		args    []string
		env     string
		want    int
		wantErr bool
	}{
		{name: "default", want: 1},
		{name: "environment", env: "3", want: 3},
		{name: "flag over environment", args: []string{"-stream-replicas", "5"}, env: "3", want: 5},
		{name: "above JetStream's limit", env: "7", wantErr: true},
		{name: "zero", args: []string{"-stream-replicas", "0"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == EnvStreamReplicas {
					return tt.env
				}
				return base[k]
			}
			cfg, err := LoadConfig(tt.args, getenv)
			if (err != nil) != tt.wantErr {
				t.Fatalf("LoadConfig: %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && cfg.StreamReplicas != tt.want {
				t.Fatalf("StreamReplicas = %d, want %d", cfg.StreamReplicas, tt.want)
			}
		})
	}
	cfg := Config{HTTPAddr: ":0", NATSURL: "nats://x", MongoURI: "mongodb://x", MongoDB: "d", WebhookSecretsUnsealed: true,
		Auth: AuthConfig{InsecureNoAuth: true}, StreamReplicas: 6}
	if err := cfg.Validate(); err == nil {
		t.Fatal("Validate accepted 6 replicas")
	}
}
