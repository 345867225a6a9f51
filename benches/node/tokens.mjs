// Writes the benchmark tokens (both runtimes verify exactly these bytes), signed with
// node:crypto, independently of jwtgate. Times are relative to now: a run must finish
// within the 900 s lifetime (make bench takes a few minutes).
//   node benches/node/tokens.mjs target/bench/tokens.json
import { createHmac, generateKeyPairSync, sign as edSign } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

const SECRET = "bench-Qm9vdC1tYWluLXNlY3JldC03ZjNhOWQ2ZTFj"; // ≥ 32 chars, as BETTER_AUTH_SECRET
const now = Math.floor(Date.now() / 1000);
const b64 = (s) => Buffer.from(s).toString("base64url");
function sign(payload) {
  const input = `${b64(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64(payload)}`;
  return `${input}.${createHmac("sha256", SECRET).update(input).digest("base64url")}`;
}

// The spec's shape: sub/email/name.
const spec = JSON.stringify({ sub: "user-1", email: "ada@example.com", name: "Ada Lovelace", iat: now, exp: now + 900 });
// Better Auth's jwt plugin: the session's user object, then iat/iss/aud/exp/sub.
const id = "Xk2p8sQ1rT6vW9yB3nD5fH7jL0mZ4cGa";
const betterAuth = JSON.stringify({
  name: "Ada Lovelace", email: "ada.lovelace@example.com", emailVerified: true, image: null,
  createdAt: "2026-11-20T10:12:31.204Z", updatedAt: "2026-11-24T07:01:55.918Z", id,
  iat: now, iss: "http://localhost:3000", aud: "http://localhost:3000", exp: now + 900, sub: id,
});

// Refusals (issue 11 §6): what an unauthenticated client can make the gate do before the
// signature says no. Every one has a wrong signature; `code` is the core's answer.
const MAX_TOKEN = 8 * 1024;
const wrongSig = (token) => token.slice(0, -5) + (token.at(-5) === "A" ? "B" : "A") + token.slice(-4);
function signHeader(header, payload) {
  const input = `${b64(header)}.${b64(payload)}`;
  return wrongSig(`${input}.${createHmac("sha256", SECRET).update(input).digest("base64url")}`);
}
/** The payload padded so the whole token is as close to the 8 KiB cap as it gets. */
function fill(header) {
  const pad = (n) => JSON.stringify({ sub: "user-1", email: "ada@example.com", iat: now, exp: now + 900, pad: "x".repeat(n) });
  const room = Math.floor(((MAX_TOKEN - signHeader(header, pad(0)).length) * 3) / 4) - 2;
  return pad(room);
}
// The costliest 512-byte header for the JSON reader (measured against nesting, escapes and
// numbers): small objects in an array, each checked for duplicate names.
let worstHeader = '{"alg":"HS256","o":[';
while (worstHeader.length + 14 <= 509) worstHeader += '{"a":0,"b":0},';
worstHeader += "0]}";
// The review's input: a header of several KiB, fully parsed before the signature until the cap.
let bigHeader = '{"alg":"HS256"';
for (let i = 0; bigHeader.length < 5800; i++) bigHeader += `,"${i}":0`;
bigHeader += "}";
const plainHeader = JSON.stringify({ alg: "HS256", typ: "JWT" });
const refusals = {
  ordinary: { token: wrongSig(sign(spec)), code: "invalid_signature", label: "wrong signature, spec token" },
  largest: { token: signHeader(plainHeader, fill(plainHeader)), code: "invalid_signature", label: "wrong signature, 8 KiB token" },
  worst: { token: signHeader(worstHeader, fill(worstHeader)), code: "invalid_signature", label: "wrong signature, 8 KiB token, costliest 512-byte header" },
  bigHeader: { token: signHeader(bigHeader, spec), code: "invalid_header", label: "5.8 KB header (over the cap)" },
};
for (const [name, r] of Object.entries(refusals)) {
  if (r.token.length > MAX_TOKEN) throw new Error(`refusal token ${name} is over the cap`);
  r.tokenBytes = r.token.length;
}

const fixture = {
  secret: SECRET,
  now,
  refusals,
  tokens: {
    spec: { token: sign(spec), payload: spec, payloadBytes: spec.length, sub: "user-1", path: "/api/v1/user-1/tasks" },
    betterAuth: {
      token: sign(betterAuth), payload: betterAuth, payloadBytes: betterAuth.length, sub: id, path: `/api/v1/${id}/tasks`,
      issuer: "http://localhost:3000", audience: "http://localhost:3000",
    },
  },
};
// Better Auth's own JWT-plugin token (EdDSA, issue 13): the same payload, an Ed25519 key set.
{
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const kid = "bXk2p8sQ1rT6vW9yB3nD5fH7jL0mZ4cG";
  const input = `${b64(JSON.stringify({ alg: "EdDSA", kid }))}.${b64(betterAuth)}`;
  fixture.eddsa = {
    token: `${input}.${edSign(null, Buffer.from(input), privateKey).toString("base64url")}`,
    jwks: { keys: [{ ...publicKey.export({ format: "jwk" }), alg: "EdDSA", kid }] },
    sub: id, issuer: "http://localhost:3000", audience: "http://localhost:3000",
  };
}
const out = process.argv[2];
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(fixture, null, 2) + "\n");
