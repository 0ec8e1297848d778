package webhooks

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestTargetPolicyRefusesLinkLocalMetadataAndOtherSchemes(t *testing.T) {
	refused := []string{
		"http://169.254.169.254/latest/meta-data/",
		"http://169.254.10.1/",
		"http://[fe80::1]/hook",
		"http://[fe80::1%25eth0]/hook",
		"http://[::ffff:169.254.169.254]/",
		"http://[fd00:ec2::254]/",
		"http://100.100.100.200/",
		"http://0.0.0.0:8080/",
		"http://[::]/",
		"http://224.0.0.1/",
		"file:///etc/passwd",
		"ftp://example.com/hook",
		"gopher://127.0.0.1/",
		"http:///nohost",
		"https://user:pass@127.0.0.1/",
		"not a url",
		"",
	}
	for _, allow := range []bool{false, true} {
		p := targetPolicy{allowPrivate: allow}
		for _, u := range refused {
			if msg := p.checkURL(context.Background(), u); msg == "" {
				t.Errorf("allowPrivate=%v: %q was accepted", allow, u)
			}
		}
	}
}

func TestTargetPolicyPrivateAndLoopbackOnlyWithTheFlag(t *testing.T) {
	private := []string{"http://127.0.0.1:9/hook", "http://[::1]/", "http://10.1.2.3/", "http://192.168.1.1/", "http://172.16.0.5/",
		"http://100.64.0.1/", "http://[fd12::1]/", "http://localhost:8080/"}
	for _, u := range private {
		if msg := (targetPolicy{}).checkURL(context.Background(), u); msg == "" {
			t.Errorf("%q was accepted without AllowPrivateWebhookTargets", u)
		} else if !strings.Contains(msg, "AllowPrivateWebhookTargets") && !strings.Contains(msg, "does not resolve") {
			t.Errorf("%q: %s", u, msg)
		}
		if strings.Contains(u, "localhost") {
			continue // resolution depends on the machine
		}
		if msg := (targetPolicy{allowPrivate: true}).checkURL(context.Background(), u); msg != "" {
			t.Errorf("%q refused with AllowPrivateWebhookTargets: %s", u, msg)
		}
	}
	if msg := (targetPolicy{}).checkURL(context.Background(), "https://93.184.215.14/hook"); msg != "" {
		t.Errorf("a public address was refused: %s", msg)
	}
}

// TestClientChecksTheDialedAddress: the check at delivery time looks at the
// address actually dialed, so a name that now resolves to a refused address
// is refused too.
func TestClientChecksTheDialedAddress(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer srv.Close()
	_, err := newClient(targetPolicy{}).Post(srv.URL, "application/json", strings.NewReader("{}"))
	if !errors.Is(err, errRefusedAddress) {
		t.Fatalf("a loopback receiver without the flag: err %v, want a refused address", err)
	}
	resp, err := newClient(targetPolicy{allowPrivate: true}).Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatalf("with the flag: %v", err)
	}
	_ = resp.Body.Close()
}

func TestFiltersAndMatching(t *testing.T) {
	if fe := validateFilters([]string{"*", "slipway.deployment.*", "slipway.deployment.rollout_*", "slipway.deployment.rollout_failed.v1"}); len(fe) != 0 {
		t.Fatalf("valid filters refused: %v", fe)
	}
	fe := validateFilters([]string{"slipway.deploymnet.*", "slipway.deployment.nope.v1", "slipway.*.rollout_*"})
	if len(fe) != 3 || fe[0].Field != "events[0]" || fe[2].Field != "events[2]" {
		t.Fatalf("invalid filters: %v", fe)
	}
	if fe := validateFilters(nil); len(fe) != 1 || fe[0].Field != "events" {
		t.Fatalf("no filters: %v", fe)
	}
	sub := Subscription{Events: []string{"slipway.deployment.rollout_*"}, Project: "acme/fraud"}
	const subject = "slipway.evt.deployment.acme.fraud.scorer"
	switch {
	case !sub.matches("slipway.deployment.rollout_failed.v1", subject):
		t.Error("a prefix should match")
	case sub.matches("slipway.deployment.created.v1", subject):
		t.Error("another type matched")
	case sub.matches("slipway.deployment.rollout_failed.v1", "slipway.evt.deployment.acme.other.scorer"):
		t.Error("another project matched")
	}
}

// TestTargetPolicyRefusesSpecialPurposeRanges: every address of the IANA
// special-purpose registries, and IPv4 addresses embedded in IPv6 ones, are
// refused at creation (checkURL) and at dial time (control), with or
// without AllowPrivateWebhookTargets.
func TestTargetPolicyRefusesSpecialPurposeRanges(t *testing.T) {
	refused := []struct{ name, addr string }{
		{"NAT64 of the metadata address", "64:ff9b::a9fe:a9fe"},
		{"NAT64 of a public address", "64:ff9b::808:808"},
		{"NAT64 of loopback", "64:ff9b::7f00:1"},
		{"6to4 of the metadata address", "2002:a9fe:a9fe::1"},
		{"6to4 of a public address", "2002:808:808::1"},
		{"IPv4-compatible metadata address", "::169.254.169.254"},
		{"IPv4-compatible loopback", "::127.0.0.1"},
		{"IPv4-mapped metadata address", "::ffff:169.254.169.254"},
		{"site-local", "fec0::1"},
		{"benchmarking, low end", "198.18.0.1"},
		{"benchmarking, high end", "198.19.255.254"},
		{"reserved class E", "240.0.0.1"},
		{"reserved class E, high end", "255.255.255.254"},
		{"IETF protocol assignments", "192.0.0.8"},
		{"Azure WireServer", "168.63.129.16"},
		{"documentation", "192.0.2.10"},
		{"documentation v6", "2001:db8::1"},
		{"Teredo", "2001::1"},
		{"IPv6 outside global unicast", "4000::1"},
	}
	for _, allow := range []bool{false, true} {
		p := targetPolicy{allowPrivate: allow}
		for _, tc := range refused {
			host := tc.addr
			if strings.Contains(host, ":") {
				host = "[" + host + "]"
			}
			if msg := p.checkURL(t.Context(), "http://"+host+"/hook"); msg == "" {
				t.Errorf("allowPrivate=%v: %s (%s) accepted at creation", allow, tc.addr, tc.name)
			}
			if err := p.control("tcp", net.JoinHostPort(tc.addr, "443"), nil); !errors.Is(err, errRefusedAddress) {
				t.Errorf("allowPrivate=%v: %s (%s) at dial time: %v, want a refused address", allow, tc.addr, tc.name, err)
			}
		}
	}
	for _, ok := range []string{"93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"} {
		if err := (targetPolicy{}).control("tcp", net.JoinHostPort(ok, "443"), nil); err != nil {
			t.Errorf("public %s refused: %v", ok, err)
		}
	}
}
