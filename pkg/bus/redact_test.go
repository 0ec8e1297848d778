package bus

import "testing"

func TestRedactedHidesCredentials(t *testing.T) {
	tests := map[string]string{
		"nats://slipway:s3cret@127.0.0.1:4222":     "nats://slipway:xxxxx@127.0.0.1:4222",
		"nats://t0ken@n:4222":                      "nats://xxxxx@n:4222",
		"nats://a:p1@n1:4222, nats://a:p2@n2:4222": "nats://a:xxxxx@n1:4222,nats://a:xxxxx@n2:4222",
		"nats://127.0.0.1:4222":                    "nats://127.0.0.1:4222",
		"nats://u:p@[::1:4222\x7f":                 "<unparsable url>",
	}
	for in, want := range tests {
		if got := Redacted(in); got != want {
			t.Errorf("Redacted(%q) = %q, want %q", in, got, want)
		}
	}
}
