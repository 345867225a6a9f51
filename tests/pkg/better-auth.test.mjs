// Tokens minted moments ago by the REAL better-auth package (JWT plugin, memory adapter:
// tests/fixtures/better-auth/mint.mjs, run by scripts/test-pkg.sh into ./better-auth.json),
// verified by the built package, with its key set given inline and served over HTTP.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { Gate } from "jwtgate";

const fixture = JSON.parse(readFileSync(new URL("better-auth.json", import.meta.url), "utf8"));
const { baseURL, jwks, tokens } = fixture;
const request = (token, user) => ({ url: `/api/v1/${user}/tasks`, headers: { authorization: `Bearer ${token}` } });

test("Better Auth JWT-plugin tokens pass a JWKS gate, with the path rule", () => {
  assert.equal(fixture.header.alg, "EdDSA");
  const gate = new Gate({ jwks, issuer: baseURL, audience: baseURL });
  for (const { token, userId, email } of tokens) {
    const claims = gate.verify(token);
    assert.equal(claims.sub, userId);
    assert.equal(claims.email, email);
    assert.equal(claims.exp - claims.iat, 900);
    assert.equal(gate.authorize(request(token, userId)).allowed, true);
    assert.equal(gate.authorize(request(token, "someone-else")).code, "user_mismatch");
  }
  // Another user's claims under the first token's signature; the app's secret-only gate.
  const [h, , s] = tokens[0].token.split(".");
  const forged = `${h}.${tokens[1].token.split(".")[1]}.${s}`;
  assert.equal(gate.authorize(request(forged, tokens[1].userId)).code, "invalid_signature");
  const secretOnly = new Gate({ secret: "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa" });
  assert.equal(secretOnly.authorize(request(tokens[0].token, tokens[0].userId)).code, "alg_not_allowed");
  const otherAudience = new Gate({ jwks, issuer: baseURL, audience: "https://api.example" });
  assert.equal(otherAudience.authorize(request(tokens[0].token, tokens[0].userId)).code, "invalid_audience");
});

test("Better Auth's key set served over HTTP: Gate.fromJwksUrl", async (t) => {
  let count = 0;
  const server = createServer((req, res) => {
    count += 1;
    res.writeHead(200, { "content-type": "application/json" }); // Better Auth sends no Cache-Control
    res.end(JSON.stringify(jwks));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const url = `http://127.0.0.1:${server.address().port}/api/auth/jwks`;
  const gate = await Gate.fromJwksUrl(url, { issuer: baseURL, audience: baseURL });
  for (const { token, userId } of tokens) {
    assert.equal((await gate.authorizeAsync(request(token, userId))).allowed, true);
  }
  assert.equal(count, 1);
});
