// A REAL Better Auth app (the repository's pinned better-auth package, its jwt() plugin,
// memory adapter) served on 127.0.0.1 for the Python remote key-set tests:
//
//   node better_auth_app.mjs <rotationIntervalSeconds>
//
// Prints {"url": baseURL} once listening. Better Auth's own handler (better-auth/node)
// serves /api/auth/*, its key set at /api/auth/jwks (counted); GET /mint?email=… signs a
// user up and returns the jwt() plugin's token for them ({token, userId, kid}); GET /count
// gives the key set requests so far. The plugin's `jwks.rotationInterval` makes it mint a
// new key for the first token after the interval (the old key stays published for the
// grace period): a key rotation, as Better Auth does it. Ends when stdin closes.
import http from "node:http";
import { randomBytes } from "node:crypto";
import { betterAuth } from "better-auth";
import { memoryAdapter } from "better-auth/adapters/memory";
import { jwt } from "better-auth/plugins";
import { toNodeHandler } from "better-auth/node";

const rotationInterval = Number(process.argv[2] ?? 0) || undefined;
let handler;
let count = 0;
const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://127.0.0.1");
  try {
    if (url.pathname === "/count") return res.end(JSON.stringify({ jwks: count }));
    if (url.pathname === "/mint") {
      const email = url.searchParams.get("email");
      const signed = await auth.api.signUpEmail({ body: { email, password: "correct horse battery staple", name: email.split("@")[0] }, returnHeaders: true });
      const cookie = signed.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
      const { token } = await auth.api.getToken({ headers: new Headers({ cookie }) });
      const kid = JSON.parse(Buffer.from(token.split(".")[0], "base64url")).kid;
      res.setHeader("content-type", "application/json");
      return res.end(JSON.stringify({ token, userId: signed.response.user.id, kid }));
    }
    if (url.pathname === "/api/auth/jwks") count += 1;
    return handler(req, res);
  } catch (e) {
    res.statusCode = 500;
    res.end(JSON.stringify({ error: String(e?.message ?? e) }));
  }
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const baseURL = `http://127.0.0.1:${server.address().port}`;
const auth = betterAuth({
  baseURL,
  secret: randomBytes(32).toString("base64"),
  database: memoryAdapter({ user: [], session: [], account: [], verification: [], jwks: [] }),
  emailAndPassword: { enabled: true },
  plugins: [jwt(rotationInterval ? { jwks: { rotationInterval } } : {})],
  logger: { disabled: true },
  telemetry: { enabled: false },
});
handler = toNodeHandler(auth);
console.log(JSON.stringify({ url: baseURL }));
process.stdin.resume();
process.stdin.on("end", () => { server.closeAllConnections?.(); server.close(() => process.exit(0)); });
