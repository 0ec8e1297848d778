// Package access says who a request comes from and what they may do.
//
// Identities come from API tokens (Slipway's own, stored as SHA-256 hashes
// in a JetStream KV bucket and checked on every request, so a revocation
// takes effect on the next one) or OIDC ID tokens verified against a
// configured issuer's keys. Roles are granted per project (viewer < deployer
// < admin) or globally (global admin); OIDC users get theirs from a policy
// that binds users and groups to grants.
//
// The decisions here are pure: the HTTP layer maps routes to requirements
// and asks Principal.Can.
package access
