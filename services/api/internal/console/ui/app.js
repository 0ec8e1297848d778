// The console's shell: who is signed in, the router (hash routes, so every
// page is this one document), and the one event stream every page listens to.
import { call, events, setToken, token, ApiError } from "./api.js";
import { h, replace, problemBox, refreshTimes } from "./dom.js";
import { fleetPage } from "./fleet.js";
import { deploymentPage } from "./deployment.js";
import { editPage } from "./edit.js";
import { promotionPage } from "./promote.js";
import { auditPage, webhooksPage, targetsPage, tokensPage } from "./admin.js";
import * as oidc from "./oidc.js";

// config is what the server tells the console (config.json): the OIDC
// issuer and client id when sign-in through an identity provider is on.
let config = {};

const ranks = { viewer: 1, deployer: 2, admin: 3 };

// session is who the API says the caller is (GET /v1/whoami) and what the
// roles it holds permit; the API decides, this only hides what it would refuse.
export const session = {
  me: null,
  role(project) {
    const p = this.me?.principal;
    if (!p) return 0;
    if (p.globalAdmin) return 4;
    let best = 0;
    for (const g of p.grants || []) {
      const [owner, rest] = g.project.split("/");
      if (g.project === project || (rest === "*" && project.startsWith(owner + "/"))) best = Math.max(best, ranks[g.role] || 0);
    }
    return best;
  },
  can(role, project) { return role === "global" ? !!this.me?.principal?.globalAdmin : this.role(project) >= ranks[role]; },
};

const main = document.getElementById("view");
const live = document.getElementById("live");
let current = null;
let stream = null;

const routes = [
  [/^\/?$/, (q) => fleetPage(q)],
  [/^\/new$/, (q) => editPage(null, q)],
  [/^\/d\/([^/]+)\/([^/]+)\/([^/]+)$/, (q, m) => deploymentPage(m.slice(1, 4).join("/"), q)],
  [/^\/d\/([^/]+)\/([^/]+)\/([^/]+)\/edit$/, (q, m) => editPage(m.slice(1, 4).join("/"), q)],
  [/^\/promote$/, (q) => promotionPage(q)],
  [/^\/audit$/, (q) => auditPage(q)],
  [/^\/webhooks$/, (q) => webhooksPage(q)],
  [/^\/targets$/, (q) => targetsPage(q)],
  [/^\/tokens$/, (q) => tokensPage(q)],
];

export function navigate(path) { location.hash = "#" + path; }

function route() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, qs] = raw.split("?");
  const q = new URLSearchParams(qs || "");
  current?.close?.();
  current = null;
  replace(main);
  for (const a of document.querySelectorAll("nav a")) {
    const target = a.getAttribute("href").slice(1);
    a.toggleAttribute("aria-current", target === "/" ? path === "/" || path.startsWith("/d/") : path.startsWith(target));
  }
  document.querySelector(".nav-tokens").hidden = !session.can("global", "");
  for (const [re, make] of routes) {
    const m = re.exec(decodeURIComponent(path));
    if (m) {
      current = make(q, m);
      main.append(current.el);
      main.focus({ preventScroll: true });
      return;
    }
  }
  main.append(h("section", {}, h("h1", {}, "Not found"), h("p", {}, "No page at ", h("code", {}, path), ". ", h("a", { href: "#/" }, "Go to the fleet"))));
}

function startStream() {
  stream?.abort();
  stream = new AbortController();
  events({}, (ev) => current?.onEvent?.(ev), (state) => {
    live.textContent = state === "live" ? "Live" : "Reconnecting…";
    live.className = "live " + state;
  }, stream.signal);
}

function signIn(message) {
  stream?.abort();
  current?.close?.();
  current = null;
  document.getElementById("who").replaceChildren();
  const input = h("input", { type: "password", autocomplete: "off", required: true, spellcheck: "false" });
  input.id = "token";
  const err = h("p", { class: "field-error", id: "token-err", role: "alert", hidden: !message }, message || "");
  input.setAttribute("aria-describedby", "token-err");
  const provider = config.oidc ? h("div", { class: "oidc" },
    h("button", { type: "button", class: "primary", onclick: () => oidc.begin(config.oidc).catch((e) => { err.hidden = false; err.textContent = String(e.message || e); }) },
      `Sign in with ${new URL(config.oidc.issuer).host}`),
    h("p", { class: "muted" }, "or with an API token:")) : null;
  const form = h("form", { class: "signin card" },
    h("h1", {}, "Sign in to Slipway"), provider,
    h("p", {}, "Paste an API token (", h("code", {}, "slipway token create"), ", or the admin token ", h("code", {}, "slipway dev --auth"), " prints). It is kept for this tab only and sent as a bearer header."),
    h("div", { class: "field" }, h("label", { for: "token" }, "API token"), input, err),
    h("button", { type: "submit", class: "primary" }, "Sign in"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    setToken(input.value.trim());
    if (!(await start(true))) {
      setToken("");
      err.hidden = false;
      err.textContent = "This token was not accepted (unknown, revoked or expired).";
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
  });
  replace(main, form);
  input.focus();
}

// start asks who we are; a 401 means sign-in is needed (auth on, no token
// or a refused one). It answers whether the console could start.
async function start(fromForm) {
  try {
    session.me = (await call("GET", "/v1/whoami")).body;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      if (!fromForm) signIn(token() ? "The token kept for this tab was refused (revoked or expired). Sign in again." : "");
      return false;
    }
    replace(main, problemBox(e));
    return true;
  }
  const p = session.me.principal;
  const who = document.getElementById("who");
  replace(who, h("span", { title: p.subject }, p.method === "none" ? "auth off (everyone is admin)" : session.me.actor));
  if (p.method !== "none") {
    who.append(" ", h("button", { type: "button", class: "small", onclick: () => { setToken(""); session.me = null; signIn(); } }, "Sign out"));
  }
  startStream();
  route();
  return true;
}

window.addEventListener("hashchange", () => session.me && route());
// A page left for another keeps no stream open: a browser holds six
// connections to a server, and a page kept for the back button with its
// streams open would hold them (the next load of the console would wait).
window.addEventListener("pagehide", () => { stream?.abort(); current?.close?.(); current = null; });
window.addEventListener("pageshow", (e) => { if (e.persisted && session.me) { startStream(); route(); } });
window.addEventListener("slipway:unauthenticated", () => {
  if (session.me) { session.me = null; setToken(""); signIn("Your session ended: the token was refused. Sign in again."); }
});
// boot reads the console's configuration, completes a sign-in the identity
// provider redirected back from, and starts.
async function boot() {
  try {
    const res = await fetch("config.json");
    if (res.ok) config = await res.json();
  } catch { /* no OIDC, API tokens still work */ }
  if (config.oidc) {
    try {
      const idToken = await oidc.finish(config.oidc);
      if (idToken) setToken(idToken);
    } catch (e) {
      signIn(String(e.message || e));
      return;
    }
  }
  start();
}
setInterval(refreshTimes, 20000);
boot();
