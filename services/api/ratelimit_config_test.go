package api

import "testing"

// TestRateLimitConfig: changes and reads each have a per-caller limit from
// the flag, else the environment, else the documented default; negatives
// are refused.
func TestRateLimitConfig(t *testing.T) {
	base := map[string]string{EnvWebhookSecretsUnsealed: "true", EnvInsecureNoAuth: "true"}
	type limits struct {
		rate      float64
		burst     int
		readRate  float64
		readBurst int
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want limits
		ok   bool
	}{
		{name: "defaults", want: limits{10, 50, 50, 200}, ok: true},
		{name: "from the environment", env: map[string]string{EnvReadRateLimit: "5", EnvReadRateBurst: "7"},
			want: limits{10, 50, 5, 7}, ok: true},
		{name: "the flag wins", args: []string{"-read-rate-limit", "0"}, env: map[string]string{EnvReadRateLimit: "5"},
			want: limits{10, 50, 0, 200}, ok: true},
		{name: "negative read rate", args: []string{"-read-rate-limit", "-1"}},
		{name: "negative read burst", env: map[string]string{EnvReadRateBurst: "-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range tt.env {
				env[k] = v
			}
			cfg, err := LoadConfig(tt.args, func(k string) string { return env[k] })
			if (err == nil) != tt.ok {
				t.Fatalf("LoadConfig: %v, want ok=%v", err, tt.ok)
			}
			a := cfg.Auth
			if got := (limits{a.RatePerSecond, a.RateBurst, a.ReadRatePerSecond, a.ReadRateBurst}); err == nil && got != tt.want {
				t.Fatalf("limits %+v, want %+v", got, tt.want)
			}
		})
	}
}
