// The HTTP side of the REAL Better Auth apps the Python tests start (better_auth_app.mjs,
// better_auth_sessions.mjs): a server on 127.0.0.1 whose test routes answer first and whose
// other requests go to Better Auth's own handler (better-auth/node), counting the requests
// to one path. Prints one JSON line once listening; ends when stdin closes.
import http from "node:http";
import { toNodeHandler } from "better-auth/node";

/**
 * `start(baseURL)` → `{ auth, info?, close? }`: the Better Auth instance for that URL, what
 * to print besides `url`, what to close at the end. `routes`: pathname → `(req, res, url)`
 * (their answer is the test's); `counted`: the path whose requests `count()` gives.
 */
export async function serveBetterAuth({ start, routes = {}, counted }) {
  let handler;
  let count = 0;
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    try {
      const route = routes[url.pathname];
      if (route) return await route(req, res, url);
      if (url.pathname === counted) count += 1;
      return handler(req, res);
    } catch (e) {
      res.statusCode = 500;
      res.end(JSON.stringify({ error: String(e?.message ?? e) }));
    }
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const baseURL = `http://127.0.0.1:${server.address().port}`;
  const app = await start(baseURL);
  handler = toNodeHandler(app.auth);
  console.log(JSON.stringify({ url: baseURL, ...app.info }));
  process.stdin.resume();
  process.stdin.on("end", () => {
    server.closeAllConnections?.();
    server.close(() => {
      app.close?.();
      process.exit(0);
    });
  });
  return { count: () => count };
}

/** `value` as a JSON response. */
export function json(res, value) {
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify(value));
}
