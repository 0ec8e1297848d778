package api

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"slipway.dev/pkg/bus"
	"slipway.dev/services/api/internal/access"
)

// setupAuth opens the token store, installs the bootstrap admin token and
// connects the OIDC issuer. With InsecureNoAuth it says so loudly.
func setupAuth(ctx context.Context, cfg AuthConfig, conn *bus.Conn, log *slog.Logger) (*access.TokenStore, *access.Authenticator, error) {
	tokens, err := access.OpenTokenStore(ctx, conn)
	if err != nil {
		return nil, nil, err
	}
	raw := cfg.AdminToken
	if cfg.AdminTokenFile != "" {
		b, err := os.ReadFile(cfg.AdminTokenFile)
		if err != nil {
			return nil, nil, fmt.Errorf("admin token file: %w", err)
		}
		raw = strings.TrimSpace(string(b))
	}
	if raw != "" {
		if err := tokens.EnsureBootstrap(ctx, raw); err != nil {
			return nil, nil, fmt.Errorf("admin token: %w", err)
		}
	}
	authn := &access.Authenticator{Tokens: tokens, Disabled: cfg.InsecureNoAuth}
	if cfg.OIDC.IssuerURL != "" {
		policy := cfg.Policy
		if cfg.PolicyFile != "" {
			if policy, err = access.LoadPolicy(cfg.PolicyFile); err != nil {
				return nil, nil, err
			}
		} else if err := policy.Validate(); err != nil {
			return nil, nil, err
		}
		if authn.OIDC, err = access.NewOIDC(ctx, cfg.OIDC, policy); err != nil {
			return nil, nil, err
		}
	}
	if cfg.InsecureNoAuth {
		log.Warn("authentication is OFF: every caller is an anonymous global admin; never expose this server beyond a trusted network")
	} else {
		log.Info("authentication on", "apiTokens", true, "bootstrapAdmin", raw != "", "oidcIssuer", cfg.OIDC.IssuerURL)
	}
	return tokens, authn, nil
}

// GenerateToken draws a new API token value (slw_<id>_<secret>) for a
// bootstrap admin token file or slipway dev --auth.
func GenerateToken() string { return access.GenerateToken() }
