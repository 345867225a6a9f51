// Issue 11 (core half) through the built package, in the hosts that hand it a request:
// raw request targets read two ways (`#`, bytes that are not visible ASCII) — also from a
// real Node HTTP server, whose `req.url` keeps them —, self routes as an option, `aud`
// arrays of strings only, whitespace around the Authorization value, the header cap.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { connect } from "node:net";
import { Gate, GateConfigError } from "jwtgate";

const SECRET = "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa";
const NOW = 1_700_000_000;
const b64 = (s) => Buffer.from(s).toString("base64url");
function sign(payload, header = { alg: "HS256", typ: "JWT" }) {
  const input = `${b64(typeof header === "string" ? header : JSON.stringify(header))}.${b64(JSON.stringify(payload))}`;
  return `${input}.${createHmac("sha256", SECRET).update(input).digest("base64url")}`;
}
const claims = (extra = {}) => ({ sub: "u1", email: "a@example.com", iat: NOW, exp: NOW + 900, ...extra });
const gate = (options = {}) => new Gate({ secret: SECRET, now: NOW, ...options });
const TOKEN = sign(claims());
const AUTH = { authorization: `Bearer ${TOKEN}` };
const decide = (g, url, headers = AUTH) => {
  const d = g.authorize({ method: "GET", url, headers });
  return d.allowed ? `allowed ${d.userId}` : `${d.status} ${d.code}`;
};

test("a raw # or a byte that is not visible ASCII in the target is refused, in authorize and protects", () => {
  const g = gate();
  for (const url of [
    "/api/v1/me#victim/tasks",
    "/api/v1/u1#/../u2/tasks",
    "/api/v1/u1/tasks?x=1#y",
    "/health#x",
    "/api/v1/u1 /tasks",
    "/api/v1/u1\t/tasks",
    "/api/v1/u1/tasks\r\n",
    "/api/v1/\u00fcser/tasks",
    "/api/v1/\u00c3\u00bcser/tasks", // raw UTF-8 bytes as Node's req.url spells them (Latin-1)
    "http://h/api/v1/u1#x",
  ]) {
    assert.equal(decide(g, url), "400 invalid_path", JSON.stringify(url));
  }
  assert.equal(g.protects("/static#/../api/v1/u2/tasks"), true);
  assert.equal(g.protects("/static/\u00e9"), true);
  assert.equal(g.protects("/static/x"), false);
  // Percent-encoded they are ordinary characters of a user id.
  assert.equal(decide(g, "/api/v1/u1%23x/tasks"), "403 user_mismatch");
  assert.equal(decide(g, "/api/v1/u1/tasks?q=%23"), "allowed u1");
});

test("a Fetch Request keeps the fragment in .url: refused as well", () => {
  const request = new Request("https://app.example/api/v1/u1#/../u2/tasks", { headers: AUTH });
  assert.match(request.url, /#/);
  assert.equal(gate().authorize(request).code, "invalid_path");
});

/** One raw HTTP/1.1 request (bytes as given) to a local server; resolves the status. */
function rawRequest(port, head) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.end(Buffer.concat([Buffer.from(head, "latin1"), Buffer.from("\r\n\r\n")])));
    let data = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk) => (data += chunk));
    socket.on("end", () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1])));
    socket.on("error", reject);
  });
}

test("Node's HTTP server hands the raw target to the gate: # and raw UTF-8 are refused there", async () => {
  const g = gate();
  const seen = [];
  const server = createServer((req, res) => {
    seen.push([req.url, req.headers.authorization]);
    const d = g.authorize({ method: req.method, url: req.url, headers: req.headers });
    res.writeHead(d.allowed ? 200 : d.status, { connection: "close" }).end();
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  const ask = (target, auth = `Bearer ${TOKEN}`) =>
    rawRequest(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: ${auth}`);
  try {
    assert.equal(await ask("/api/v1/u1/tasks"), 200);
    assert.equal(await ask("/api/v1/me#u2/tasks"), 400);
    assert.equal(seen.at(-1)[0], "/api/v1/me#u2/tasks"); // Node keeps the fragment in req.url
    assert.equal(await ask("/api/v1/u1#/../u2/tasks"), 400);
    assert.equal(await ask(Buffer.from("/api/v1/\u00fcser/tasks", "utf8").toString("latin1")), 400);
    // Trailing whitespace of the header value: the core reads the value as RFC 9110 does.
    assert.equal(await ask("/api/v1/u1/tasks", `Bearer ${TOKEN} \t `), 200);
    assert.equal(await ask("/api/v1/u1/tasks", `Bearer  ${TOKEN}`), 401);
  } finally {
    server.close();
  }
});

test("self routes: the spec's /me/profile by default, a configured list, validated", () => {
  assert.equal(decide(gate(), "/api/v1/me/profile"), "allowed u1");
  assert.equal(decide(gate(), "/api/v1/me/profile/"), "allowed u1");
  assert.equal(decide(gate(), "/api/v1/me/tasks"), "403 user_mismatch");
  assert.equal(decide(gate(), "/api/v1/me"), "403 user_mismatch");
  const listed = gate({ selfRoutes: ["/api/v1/me/profile", "GET /api/v1/me/tasks"] });
  assert.equal(decide(listed, "/api/v1/me/tasks"), "allowed u1");
  assert.equal(listed.authorize({ method: "POST", url: "/api/v1/me/tasks", headers: AUTH }).code, "user_mismatch");
  assert.equal(decide(listed, "/api/v1/m%65/tasks"), "allowed u1");
  assert.equal(decide(listed, "/api/v1/me/settings"), "403 user_mismatch");
  assert.equal(decide(gate({ selfRoutes: [] }), "/api/v1/me/profile"), "403 user_mismatch");
  assert.equal(decide(gate({ apiPrefix: "/v2/" }), "/v2/me/profile"), "allowed u1");
  // The user called "me" owns /me/... paths by the {user_id} rule.
  assert.equal(decide(gate(), "/api/v1/me/tasks", { authorization: `Bearer ${sign(claims({ sub: "me" }))}` }), "allowed me");
  const refused = (options, code) =>
    assert.throws(() => gate(options), (e) => e instanceof GateConfigError && e.code === code && !e.message.includes(SECRET), JSON.stringify(options));
  refused({ selfRoutes: ["/elsewhere/me"] }, "invalid_self_route");
  refused({ selfRoutes: ["/api/v1/me/profile", "/api/v1/me/../x"] }, "invalid_self_route");
  refused({ selfRoutes: ["/api/v1/me/"] }, "invalid_self_route");
  refused({ selfRoutes: ["/api/v1/m%65"] }, "invalid_self_route");
  refused({ selfRoutes: ["G(T /api/v1/me"] }, "invalid_self_route");
  // One comma-separated string is a list too (the core's table: SELF_ROUTES' form).
  assert.equal(decide(gate({ selfRoutes: "/api/v1/me/profile, GET /api/v1/me/tasks" }), "/api/v1/me/tasks"), "allowed u1");
  refused({ selfRoutes: 42 }, "invalid_option");
  refused({ selfRoutes: [42] }, "invalid_option");
});

test("whitespace around the Authorization value is not part of it; inside it is", () => {
  const g = gate();
  for (const value of [`Bearer ${TOKEN} `, `Bearer ${TOKEN}\t`, ` \tBearer ${TOKEN} \t`]) {
    assert.equal(decide(g, "/api/v1/u1/tasks", { authorization: value }), "allowed u1", JSON.stringify(value.slice(0, 9)));
  }
  assert.equal(decide(g, "/api/v1/u1/tasks", { authorization: `Bearer  ${TOKEN}` }), "401 invalid_base64");
  assert.equal(decide(g, "/api/v1/u1/tasks", { authorization: `Bearer\t${TOKEN}` }), "401 missing_authorization");
});

test("with an audience configured, every aud array member must be a string (python-jose parity)", () => {
  const g = gate({ issuer: "https://app", audience: "api" });
  const verdict = (aud) => decide(g, "/api/v1/u1/tasks", { authorization: `Bearer ${sign(claims({ iss: "https://app", aud }))}` });
  assert.equal(verdict(["x", "api"]), "allowed u1");
  for (const aud of [["api", 1], ["api", null], ["api", { a: 1 }], ["api", ["api"]], [], {}, 1]) {
    assert.equal(verdict(aud), "401 invalid_audience", JSON.stringify(aud));
  }
});

test("a JOSE header over 512 bytes is refused before it is parsed", () => {
  const g = gate();
  const header = (len) => `{"alg":"HS256","kid":"${"k".repeat(len - 24)}"}`;
  assert.equal(header(512).length, 512);
  assert.equal(decide(g, "/api/v1/u1/tasks", { authorization: `Bearer ${sign(claims(), header(512))}` }), "allowed u1");
  assert.equal(decide(g, "/api/v1/u1/tasks", { authorization: `Bearer ${sign(claims(), header(513))}` }), "401 invalid_header");
});
