// OpenID Connect sign-in: the authorization code flow with PKCE (S256),
// the console being a public client of the issuer the api trusts. The ID
// token it gets is what the API accepts as a bearer token; like an API
// token it is kept for the tab only.

const pendingKey = "slipway.oidc";

function b64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function redirectURI() { return location.origin + location.pathname; }

async function discover(issuer) {
  const res = await fetch(issuer.replace(/\/$/, "") + "/.well-known/openid-configuration");
  if (!res.ok) throw new Error(`the issuer's discovery answered HTTP ${res.status}`);
  return res.json();
}

// begin leaves for the issuer's authorization endpoint.
export async function begin(cfg) {
  const meta = await discover(cfg.issuer);
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  sessionStorage.setItem(pendingKey, JSON.stringify({ verifier, state, back: location.hash }));
  const q = new URLSearchParams({ response_type: "code", client_id: cfg.clientId, redirect_uri: redirectURI(),
    scope: "openid email profile groups", state, code_challenge: challenge, code_challenge_method: "S256" });
  location.assign(meta.authorization_endpoint + "?" + q);
}

// finish completes a sign-in the issuer redirected back from (?code= or
// ?error= on the console's URL): it answers the ID token, or null when
// this load is no redirect; it throws with the issuer's reason. The code
// leaves the address bar at once.
export async function finish(cfg) {
  const q = new URLSearchParams(location.search);
  if (!q.has("code") && !q.has("error")) return null;
  const pending = JSON.parse(sessionStorage.getItem(pendingKey) || "null");
  sessionStorage.removeItem(pendingKey);
  history.replaceState(null, "", redirectURI() + (pending?.back || ""));
  if (q.has("error")) throw new Error(`the identity provider refused: ${q.get("error")}${q.get("error_description") ? " (" + q.get("error_description") + ")" : ""}`);
  if (!pending || pending.state !== q.get("state")) throw new Error("this sign-in was not started from this tab (its state does not match); sign in again");
  const meta = await discover(cfg.issuer);
  const res = await fetch(meta.token_endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", code: q.get("code"), redirect_uri: redirectURI(),
      client_id: cfg.clientId, code_verifier: pending.verifier }),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok || !body.id_token) throw new Error(`the identity provider did not issue a token: ${body.error || "HTTP " + res.status}${body.error_description ? " (" + body.error_description + ")" : ""}`);
  return body.id_token;
}
