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
import http from "node:http";
import { toNodeHandler } from "better-auth/node";
import { SESSION_SECRET, startSessionAuth, signUpWithSession } from "../../../tests/fixtures/better-auth/sessions.mjs";

const [strategy = "compact", maxAge = "300"] = process.argv.slice(2);
let app;
let handler;
let count = 0;
const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://127.0.0.1");
  try {
    if (url.pathname === "/count") return res.end(JSON.stringify({ getSession: count }));
    if (url.pathname === "/mint") {
      const { user, cookie } = await signUpWithSession(app.auth);
      res.setHeader("content-type", "application/json");
      return res.end(JSON.stringify({ cookie, userId: user.id }));
    }
    if (url.pathname === "/revoke") {
      await app.auth.api.revokeSessions({ headers: new Headers({ cookie: req.headers.cookie ?? "" }) });
      return res.end("{}");
    }
    if (url.pathname === "/api/auth/get-session") count += 1;
    return handler(req, res);
  } catch (e) {
    res.statusCode = 500;
    res.end(JSON.stringify({ error: String(e?.message ?? e) }));
  }
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const baseURL = `http://127.0.0.1:${server.address().port}`;
app = await startSessionAuth({ strategy, baseURL, maxAge: Number(maxAge) });
handler = toNodeHandler(app.auth);
console.log(JSON.stringify({ url: baseURL, secret: SESSION_SECRET }));
process.stdin.resume();
process.stdin.on("end", () => {
  server.closeAllConnections?.();
  server.close(() => {
    app.close();
    process.exit(0);
  });
});
