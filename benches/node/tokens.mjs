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

const fixture = {
  secret: SECRET,
  now,
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
