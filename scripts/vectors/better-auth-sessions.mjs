// Writes tests/vectors/better_auth_sessions.json: session cookies minted by the real
// better-auth package (the root's pinned version) for one default user, per cookie-cache
// strategy that needs only the secret, with the clock they were minted at. The native
// benchmark and the core's unit tests read them (an injected clock keeps them valid).
//
//   node scripts/vectors/better-auth-sessions.mjs
import { readFileSync, writeFileSync } from "node:fs";
import { SESSION_BASE_URL, SESSION_SECRET, signUpWithSession, startSessionAuth } from "../../tests/fixtures/better-auth/sessions.mjs";

const version = JSON.parse(readFileSync(new URL("../../node_modules/better-auth/package.json", import.meta.url))).version;
const out = new URL("../../tests/vectors/better_auth_sessions.json", import.meta.url);
const vectors = [];
for (const strategy of ["compact", "jwt"]) {
  const fx = await startSessionAuth({ strategy });
  const now = Math.floor(Date.now() / 1000);
  const me = await signUpWithSession(fx.auth);
  vectors.push({ strategy, now, userId: me.user.id, email: me.email, name: me.user.name, cookie: me.cookie });
  fx.close();
}
const doc = {
  source: `better-auth ${version}, signUpEmail of a default user, cookieCache { enabled: true, maxAge: 300 }`,
  generator: "scripts/vectors/better-auth-sessions.mjs",
  secret: SESSION_SECRET,
  baseUrl: SESSION_BASE_URL,
  vectors,
};
writeFileSync(out, JSON.stringify(doc, null, 2) + "\n");
console.log(`wrote ${out.pathname}: ${vectors.map((v) => `${v.strategy} ${v.cookie.length} bytes`).join(", ")}`);
