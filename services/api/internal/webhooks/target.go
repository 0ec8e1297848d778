package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"code.dny.dev/ssrf"
)

// Timeouts of one delivery attempt.
const (
	connectTimeout = 5 * time.Second
	attemptTimeout = 10 * time.Second
	maxURLLen      = 2048
)

// errRefusedAddress means a webhook URL names, or resolves to, an address
// Slipway does not call (SSRF protection).
var errRefusedAddress = errors.New("refused address")

// metadataAddrs are cloud instance-metadata endpoints, never called.
var metadataAddrs = []netip.Addr{
	netip.MustParseAddr("169.254.169.254"), // AWS, GCP, Azure, OpenStack
	netip.MustParseAddr("fd00:ec2::254"),   // AWS over IPv6
	netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
	netip.MustParseAddr("168.63.129.16"),   // Azure WireServer (a public address)
}

var (
	cgnat       = netip.MustParsePrefix("100.64.0.0/10")
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8")
	broadcast   = netip.MustParseAddr("255.255.255.255")
)

// specialPurpose refuses every address of the IANA IPv4 and IPv6
// special-purpose registries (and all of IPv6 outside 2000::/3); its tables
// are generated from the registries by the package's maintainers.
var specialPurpose = ssrf.New(ssrf.WithAnyNetwork(), ssrf.WithAnyPort())

// targetPolicy decides which addresses deliveries may reach. Link-local
// (169.254.0.0/16, fe80::/10), metadata, unspecified, multicast and broadcast
// addresses are always refused; loopback, private (RFC 1918, fc00::/7) and
// shared (100.64.0.0/10) addresses only when allowPrivate is set (tests and
// `slipway dev` use 127.0.0.1 receivers); any other address in the IANA
// special-purpose registries always. An IPv4 address embedded in an IPv6 one
// (mapped, compatible, NAT64, 6to4) is checked too, and the IPv6 wrapper
// itself is refused unless mapped.
type targetPolicy struct{ allowPrivate bool }

// checkAddr says why ip is refused, or nil.
func (p targetPolicy) checkAddr(ip netip.Addr) error {
	ip = ip.WithZone("").Unmap() // a zoned address matches no prefix
	if v4, how, ok := embeddedIPv4(ip); ok {
		if err := p.checkAddr(v4); err != nil {
			return fmt.Errorf("%s embeds %s (%s): %w", ip, v4, how, err)
		}
	}
	for _, m := range metadataAddrs {
		if ip == m {
			return fmt.Errorf("%w: %s is a cloud metadata address", errRefusedAddress, ip)
		}
	}
	switch {
	case ip.IsUnspecified() || thisNetwork.Contains(ip):
		return fmt.Errorf("%w: %s is unspecified", errRefusedAddress, ip)
	case ip.IsLinkLocalUnicast():
		return fmt.Errorf("%w: %s is link-local", errRefusedAddress, ip)
	case ip.IsMulticast() || ip == broadcast:
		return fmt.Errorf("%w: %s is multicast or broadcast", errRefusedAddress, ip)
	case ip.IsLoopback() || ip.IsPrivate() || cgnat.Contains(ip):
		if p.allowPrivate {
			return nil
		}
		return fmt.Errorf("%w: %s is loopback or private (allowed only with AllowPrivateWebhookTargets)", errRefusedAddress, ip)
	}
	if err := specialPurpose.SafeAddr(ip); err != nil {
		return fmt.Errorf("%w: %s is a special-purpose address (IANA registry)", errRefusedAddress, ip)
	}
	return nil
}

var (
	ipv4Compatible = netip.MustParsePrefix("::/96")        // RFC 4291, deprecated
	nat64          = netip.MustParsePrefix("64:ff9b::/96") // RFC 6052
	sixToFour      = netip.MustParsePrefix("2002::/16")    // RFC 3056
)

// embeddedIPv4 is the IPv4 address an IPv6 address carries, and how.
func embeddedIPv4(ip netip.Addr) (netip.Addr, string, bool) {
	if !ip.Is6() {
		return netip.Addr{}, "", false
	}
	b := ip.As16()
	switch {
	case ipv4Compatible.Contains(ip) && !ip.IsUnspecified() && !ip.IsLoopback():
		return netip.AddrFrom4([4]byte(b[12:16])), "IPv4-compatible", true
	case nat64.Contains(ip):
		return netip.AddrFrom4([4]byte(b[12:16])), "NAT64", true
	case sixToFour.Contains(ip):
		return netip.AddrFrom4([4]byte(b[2:6])), "6to4", true
	}
	return netip.Addr{}, "", false
}

// checkURL validates a subscription's URL: http or https, a host, no
// credentials, and every address the host resolves to allowed. It returns
// the reason as a message for the url field, or "".
func (p targetPolicy) checkURL(ctx context.Context, raw string) string {
	if raw == "" {
		return "is required"
	}
	if len(raw) > maxURLLen {
		return fmt.Sprintf("must be at most %d characters", maxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "is not a URL"
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "must be an http or https URL"
	case u.Hostname() == "":
		return "must name a host"
	case u.User != nil:
		return "must not contain credentials"
	}
	if err := p.checkHost(ctx, u.Hostname()); err != nil {
		return err.Error()
	}
	return ""
}

// checkHost resolves host and refuses it when any of its addresses is refused.
func (p targetPolicy) checkHost(ctx context.Context, host string) error {
	if ip, err := netip.ParseAddr(host); err == nil {
		return p.checkAddr(ip)
	}
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(ips) == 0 {
		return fmt.Errorf("host %s does not resolve", host)
	}
	for _, ip := range ips {
		if err := p.checkAddr(ip); err != nil {
			return fmt.Errorf("host %s resolves to a refused address: %w", host, err)
		}
	}
	return nil
}

// control checks the address of every connection the delivery client opens,
// after DNS resolution: a name that resolved to an allowed address when the
// subscription was made and resolves to a refused one now is refused.
func (p targetPolicy) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", errRefusedAddress, address, err)
	}
	return p.checkAddr(ap.Addr())
}

// newClient is the delivery HTTP client: connect timeout 5 s, 10 s per
// attempt, no proxy (the checked address is the one called), redirects not
// followed (a 3xx is a failed attempt), and every dialed address checked.
func newClient(p targetPolicy) *http.Client {
	dialer := &net.Dialer{Timeout: connectTimeout, Control: p.control}
	return &http.Client{
		Timeout: attemptTimeout,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   connectTimeout,
			ResponseHeaderTimeout: attemptTimeout,
			MaxIdleConnsPerHost:   4,
			IdleConnTimeout:       90 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
