package events

import "testing"

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://hooks.acme.example/slipway", "https://hooks.acme.example/slipway"},
		{"https://user:pa55@hooks.acme.example:8443/in?token=s3cret&x=1#frag", "https://hooks.acme.example:8443/in"},
		{"http://hooks.acme.example/in?", "http://hooks.acme.example/in"},
		{"http://[::1]:9/hook?sig=abc", "http://[::1]:9/hook"},
		{"http://%zz", "(unparsable URL)"},
	}
	for _, tt := range tests {
		if got := RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
