package api

import (
	"errors"
	"slices"
	"testing"
	"time"

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
