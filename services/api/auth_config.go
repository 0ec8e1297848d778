package api

import (
	"errors"
	"flag"
	"strconv"
	"strings"

	"slipway.dev/services/api/internal/access"
)

// AuthConfig says how the api knows who calls it.
type AuthConfig struct {
	// InsecureNoAuth lets every request in as anonymous, a global admin.
	// Without it the api refuses to start unless AdminToken(File) or OIDC
	// is configured.
	InsecureNoAuth bool
	// AdminTokenFile holds a bootstrap global-admin API token (a mounted
	// Secret); AdminToken is the same, given directly (slipway dev, tests).
	// Only its hash is stored.
	AdminTokenFile string
	AdminToken     string
	// OIDC, when its issuer is set, accepts ID tokens from that issuer.
	OIDC access.OIDCConfig
	// PolicyFile binds OIDC users and groups to roles; Policy is the same,
	// given directly.
	PolicyFile string
	Policy     access.Policy
	// RatePerSecond and RateBurst bound each caller's mutating requests;
	// ReadRatePerSecond and ReadRateBurst its reads (GET, and an event
	// stream's open), in a bucket of their own (rate <= 0: no limit).
	RatePerSecond     float64
	RateBurst         int
	ReadRatePerSecond float64
	ReadRateBurst     int
	// CORSOrigins lets browsers on these origins call the api (default: none).
	CORSOrigins []string
	// MetricsNeedAuth makes /metrics require a signed-in caller.
	MetricsNeedAuth bool
}

// Environment variables of AuthConfig.
const (
	EnvInsecureNoAuth    = "SLIPWAY_INSECURE_NO_AUTH"
	EnvAdminTokenFile    = "SLIPWAY_AUTH_ADMIN_TOKEN_FILE"
	EnvOIDCIssuer        = "SLIPWAY_OIDC_ISSUER"
	EnvOIDCAudience      = "SLIPWAY_OIDC_AUDIENCE"
	EnvOIDCJWKSURL       = "SLIPWAY_OIDC_JWKS_URL"
	EnvOIDCUsernameClaim = "SLIPWAY_OIDC_USERNAME_CLAIM"
	EnvOIDCGroupsClaim   = "SLIPWAY_OIDC_GROUPS_CLAIM"
	EnvAuthPolicyFile    = "SLIPWAY_AUTH_POLICY_FILE"
	EnvRateLimit         = "SLIPWAY_RATE_LIMIT"
	EnvRateBurst         = "SLIPWAY_RATE_BURST"
	EnvReadRateLimit     = "SLIPWAY_READ_RATE_LIMIT"
	EnvReadRateBurst     = "SLIPWAY_READ_RATE_BURST"
	EnvCORSOrigins       = "SLIPWAY_CORS_ORIGINS"
	EnvMetricsAuth       = "SLIPWAY_METRICS_AUTH"
)

func authEnvVars() []string {
	return []string{EnvInsecureNoAuth, EnvAdminTokenFile, EnvOIDCIssuer, EnvOIDCAudience, EnvOIDCJWKSURL, EnvOIDCUsernameClaim,
		EnvOIDCGroupsClaim, EnvAuthPolicyFile, EnvRateLimit, EnvRateBurst, EnvReadRateLimit, EnvReadRateBurst, EnvCORSOrigins, EnvMetricsAuth}
}

// Defaults for the per-caller limits. Changes: generous for CI pipelines,
// tight enough that one runaway loop cannot flood COMMANDS. Reads: enough
// for a dashboard and a few `slipway wait`s at once, while one scraping
// loop cannot hold the read models (or, opening event streams, every
// stream slot) for everyone.
const (
	DefaultRatePerSecond     = 10
	DefaultRateBurst         = 50
	DefaultReadRatePerSecond = 50
	DefaultReadRateBurst     = 200
)

func (a *AuthConfig) flags(fs *flag.FlagSet, getenv func(string) string) {
	fs.BoolVar(&a.InsecureNoAuth, "insecure-no-auth", getenv(EnvInsecureNoAuth) == "true",
		"serve without authentication: every caller is an anonymous global admin (never in production)")
	fs.StringVar(&a.AdminTokenFile, "admin-token-file", getenv(EnvAdminTokenFile), "file holding a bootstrap global-admin API token (make one with `slipway token generate`)")
	fs.StringVar(&a.OIDC.IssuerURL, "oidc-issuer", getenv(EnvOIDCIssuer), "accept OIDC ID tokens from this issuer")
	fs.StringVar(&a.OIDC.Audience, "oidc-audience", getenv(EnvOIDCAudience), "the client id OIDC tokens must be issued for")
	fs.StringVar(&a.OIDC.JWKSURL, "oidc-jwks-url", getenv(EnvOIDCJWKSURL), "the issuer's JWKS URL (skips discovery)")
	fs.StringVar(&a.OIDC.UsernameClaim, "oidc-username-claim", envOr(getenv, EnvOIDCUsernameClaim, "email"), "the claim naming the user")
	fs.StringVar(&a.OIDC.GroupsClaim, "oidc-groups-claim", envOr(getenv, EnvOIDCGroupsClaim, "groups"), "the claim listing the user's groups")
	fs.StringVar(&a.PolicyFile, "auth-policy-file", getenv(EnvAuthPolicyFile), "YAML file binding OIDC users and groups to project roles")
	rate, _ := strconv.ParseFloat(envOr(getenv, EnvRateLimit, strconv.Itoa(DefaultRatePerSecond)), 64)
	fs.Float64Var(&a.RatePerSecond, "rate-limit", rate, "mutating requests per second per caller (0: no limit)")
	burst, _ := strconv.Atoi(envOr(getenv, EnvRateBurst, strconv.Itoa(DefaultRateBurst)))
	fs.IntVar(&a.RateBurst, "rate-burst", burst, "burst of mutating requests per caller")
	readRate, _ := strconv.ParseFloat(envOr(getenv, EnvReadRateLimit, strconv.Itoa(DefaultReadRatePerSecond)), 64)
	fs.Float64Var(&a.ReadRatePerSecond, "read-rate-limit", readRate, "reads (GET, event stream opens) per second per caller (0: no limit)")
	readBurst, _ := strconv.Atoi(envOr(getenv, EnvReadRateBurst, strconv.Itoa(DefaultReadRateBurst)))
	fs.IntVar(&a.ReadRateBurst, "read-rate-burst", readBurst, "burst of reads per caller")
	fs.Func("cors-origin", "let browsers on this origin call the api (repeatable; env "+EnvCORSOrigins+", comma-separated)", func(s string) error {
		a.CORSOrigins = append(a.CORSOrigins, s)
		return nil
	})
	if v := getenv(EnvCORSOrigins); v != "" {
		for _, o := range strings.Split(v, ",") {
			if o = strings.TrimSpace(o); o != "" {
				a.CORSOrigins = append(a.CORSOrigins, o)
			}
		}
	}
	fs.BoolVar(&a.MetricsNeedAuth, "metrics-auth", getenv(EnvMetricsAuth) == "true", "require a signed-in caller on /metrics")
}

// Validate refuses a server nobody configured access for.
func (a AuthConfig) Validate() error {
	var errs []error
	configured := a.AdminTokenFile != "" || a.AdminToken != "" || a.OIDC.IssuerURL != ""
	if !configured && !a.InsecureNoAuth {
		errs = append(errs, errors.New("authentication is not configured: set "+EnvAdminTokenFile+" (a bootstrap admin token) and/or "+
			EnvOIDCIssuer+" with "+EnvOIDCAudience+", or run with --insecure-no-auth ("+EnvInsecureNoAuth+"=true) on a trusted network"))
	}
	if a.OIDC.IssuerURL != "" && a.OIDC.Audience == "" {
		errs = append(errs, errors.New(EnvOIDCAudience+" is required with "+EnvOIDCIssuer))
	}
	if a.RatePerSecond < 0 || a.RateBurst < 0 || a.ReadRatePerSecond < 0 || a.ReadRateBurst < 0 {
		errs = append(errs, errors.New("rate limit and burst must not be negative"))
	}
	for _, o := range a.CORSOrigins {
		if o == "*" {
			errs = append(errs, errors.New("CORS origin * would let any web page act with a visitor's credentials; list the origins"))
		}
	}
	return errors.Join(errs...)
}
