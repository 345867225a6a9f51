// A REAL Better Auth app with its cookie cache on (the repository's pinned better-auth,
// SQLite, tests/fixtures/better-auth/sessions.mjs) served on 127.0.0.1 for the Python
// session tests:
//
//   node better_auth_sessions.mjs <strategy> <cookieCacheMaxAgeSeconds>
//
// Prints {"url", "secret"} once listening. Better Auth's own handler serves /api/auth/*
// (GET /api/auth/get-session counted); GET /mint signs a user up and returns
// {cookie, userId} (the cookies a browser would send); POST /revoke with a `cookie` header
// revokes that user's sessions; GET /count gives get-session calls so far. Ends when
// stdin closes.
import { SESSION_SECRET, startSessionAuth, signUpWithSession } from "../../../tests/fixtures/better-auth/sessions.mjs";
import { json, serveBetterAuth } from "./better_auth_server.mjs";

const [strategy = "compact", maxAge = "300"] = process.argv.slice(2);
let app;
const server = await serveBetterAuth({
  counted: "/api/auth/get-session",
  routes: {
    "/count": (req, res) => json(res, { getSession: server.count() }),
    "/mint": async (req, res) => {
      const { user, cookie } = await signUpWithSession(app.auth);
      json(res, { cookie, userId: user.id });
    },
    "/revoke": async (req, res) => {
      await app.auth.api.revokeSessions({ headers: new Headers({ cookie: req.headers.cookie ?? "" }) });
      res.end("{}");
    },
  },
  start: async (baseURL) => {
    app = await startSessionAuth({ strategy, baseURL, maxAge: Number(maxAge) });
    return { auth: app.auth, info: { secret: SESSION_SECRET }, close: () => app.close() };
  },
});
