// Pure spec helpers for the edit form: the form's text fields parsed,
// a field-level preview diff, and the RFC 7396 merge patch from one spec
// to another (what PATCH takes: removed keys as null, arrays whole).

export function parseEnv(text) {
  const env = {};
  const bad = [];
  text.split("\n").forEach((line, i) => {
    const l = line.trim();
    if (!l || l.startsWith("#")) return;
    const eq = l.indexOf("=");
    if (eq <= 0) bad.push(`line ${i + 1}: write KEY=value`);
    else env[l.slice(0, eq).trim()] = l.slice(eq + 1);
  });
  return { env, bad };
}

export function formatEnv(env) {
  return Object.entries(env || {}).map(([k, v]) => `${k}=${v}`).join("\n");
}

// Secret references, one a line: ENV=secret-name/key.
export function parseSecrets(text) {
  const secrets = [];
  const bad = [];
  text.split("\n").forEach((line, i) => {
    const l = line.trim();
    if (!l || l.startsWith("#")) return;
    const m = /^([^=\s]+)\s*=\s*([^/\s]+)\/(\S+)$/.exec(l);
    if (!m) bad.push(`line ${i + 1}: write ENV=secret-name/key`);
    else secrets.push({ env: m[1], name: m[2], key: m[3] });
  });
  return { secrets, bad };
}

export function formatSecrets(secrets) {
  return (secrets || []).map((s) => `${s.env}=${s.name}/${s.key}`).join("\n");
}

export function parseLabels(text) {
  const labels = {};
  for (const part of text.split(",").map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf("=");
    labels[eq < 0 ? part : part.slice(0, eq)] = eq < 0 ? "" : part.slice(eq + 1);
  }
  return labels;
}

const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

// mergePatch is the patch that turns a into b.
export function mergePatch(a, b) {
  const p = {};
  for (const k of Object.keys(a || {})) if (!(k in b)) p[k] = null;
  for (const [k, v] of Object.entries(b)) {
    const old = a?.[k];
    if (isObj(v) && isObj(old)) {
      const sub = mergePatch(old, v);
      if (Object.keys(sub).length) p[k] = sub;
    } else if (JSON.stringify(v) !== JSON.stringify(old)) p[k] = v;
  }
  return p;
}

// changes lists what differs between a and b as {path, op, from, to}, the
// shape of the API's diffs (objects by key, so an added map shows each of
// its keys; arrays compared whole).
export function changes(a, b, prefix = "spec") {
  const out = [];
  const keys = [...new Set([...Object.keys(a || {}), ...Object.keys(b || {})])].sort();
  for (const k of keys) {
    const path = `${prefix}.${k}`;
    const x = a?.[k];
    const y = b?.[k];
    if ((isObj(x) || x === undefined) && (isObj(y) || y === undefined) && (x || y)) out.push(...changes(x || {}, y || {}, path));
    else if (x === undefined && y !== undefined) out.push({ path, op: "added", to: y });
    else if (y === undefined && x !== undefined) out.push({ path, op: "removed", from: x });
    else if (JSON.stringify(x) !== JSON.stringify(y)) out.push({ path, op: "changed", from: x, to: y });
  }
  return out;
}
