package events

import (
	"testing"
)

func TestRouteHostAndPathBase(t *testing.T) {
	tests := []struct{ baseURL, host, path string }{
		{"https://Models.Acme.example", "models.acme.example", ""},
		{"https://models.acme.example:8443/ml/", "models.acme.example", "/ml"},
		{"http://10.1.2.3:8080", "", ""},
		{"http://[::1]/a/b", "", "/a/b"},
		{"http://local.test", "local.test", ""},
	}
	for _, tc := range tests {
		if h, p := RouteHost(tc.baseURL), RoutePathBase(tc.baseURL); h != tc.host || p != tc.path {
			t.Errorf("%s: host %q path %q, want %q %q", tc.baseURL, h, p, tc.host, tc.path)
		}
	}
}
