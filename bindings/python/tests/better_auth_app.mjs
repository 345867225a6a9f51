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
import { randomBytes } from "node:crypto";
import { betterAuth } from "better-auth";
import { memoryAdapter } from "better-auth/adapters/memory";
import { jwt } from "better-auth/plugins";
import { json, serveBetterAuth } from "./better_auth_server.mjs";

const rotationInterval = Number(process.argv[2] ?? 0) || undefined;
let auth;
const server = await serveBetterAuth({
  counted: "/api/auth/jwks",
  routes: {
    "/count": (req, res) => json(res, { jwks: server.count() }),
    "/mint": async (req, res, url) => {
      const email = url.searchParams.get("email");
      const signed = await auth.api.signUpEmail({ body: { email, password: "correct horse battery staple", name: email.split("@")[0] }, returnHeaders: true });
      const cookie = signed.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
      const { token } = await auth.api.getToken({ headers: new Headers({ cookie }) });
      const kid = JSON.parse(Buffer.from(token.split(".")[0], "base64url")).kid;
      json(res, { token, userId: signed.response.user.id, kid });
    },
  },
  start: (baseURL) => {
    auth = betterAuth({
      baseURL,
      secret: randomBytes(32).toString("base64"),
      database: memoryAdapter({ user: [], session: [], account: [], verification: [], jwks: [] }),
      emailAndPassword: { enabled: true },
      plugins: [jwt(rotationInterval ? { jwks: { rotationInterval } } : {})],
      logger: { disabled: true },
      telemetry: { enabled: false },
    });
    return { auth };
  },
});
