package api

import (
	"testing"

	"slipway.dev/services/api/internal/eventfeed"
)

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
