// Bounded load run through the real worker (wrangler dev) to a real echo origin on loopback:
// N mixed allowed/refused requests, every decision checked. `make bench-worker`.
//   LOAD_REQUESTS (10000), LOAD_CONCURRENCY (16), LOAD_DEADLINE_S (300)
import http from "node:http";
import {
  OTHER_SECRET, HOST, mint, claims, bearer, nowSecs, startEchoOrigin, startWorker, SECRET,
} from "./harness.mjs";

const TOTAL = Number(process.env.LOAD_REQUESTS ?? 10_000);
const CONCURRENCY = Number(process.env.LOAD_CONCURRENCY ?? 16);
const DEADLINE_MS = Number(process.env.LOAD_DEADLINE_S ?? 300) * 1000;

const origin = await startEchoOrigin();
const worker = await startWorker({ BETTER_AUTH_SECRET: SECRET, ORIGIN_URL: origin.url });
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

// Each kind: how to build the request, and the one answer the gate must give.
const users = Array.from({ length: 50 }, (_, i) => `user-${i}`);
const kinds = [
  (u) => ({ path: `/api/v1/${u}/tasks`, auth: bearer(mint(claims(u))), status: 200, user: u }),
  (u) => ({ path: `/api/v1/${u}/tasks?page=2`, auth: bearer(mint(claims(u))), status: 200, user: u }),
  (u) => ({ path: `/api/v1/${u}x/tasks`, auth: bearer(mint(claims(u))), status: 403 }),
  (u) => ({ path: `/api/v1/${u}/tasks`, auth: undefined, status: 401 }),
  (u) => ({ path: `/api/v1/${u}/tasks`, auth: bearer(mint(claims(u), { secret: OTHER_SECRET })), status: 401 }),
  (u) => ({ path: `/api/v1/${u}/tasks`, auth: bearer(mint({ ...claims(u), iat: nowSecs() - 2000, exp: nowSecs() - 100 })), status: 401 }),
  (u) => ({ path: `/api/v1/${u}/tasks`, auth: bearer(mint({ ...claims(u), exp: nowSecs() + 7200 })), status: 401 }),
  (u) => ({ path: `/api/v1/${u}/%2e%2e/other/tasks`, auth: bearer(mint(claims(u))), status: 403 }),
  (u) => ({ path: `/api/v1//tasks`, auth: bearer(mint(claims(u))), status: 400 }),
  (u) => ({ path: `/health`, auth: undefined, status: 200 }),
];

function send({ path, auth }) {
  return new Promise((resolve, reject) => {
    const headers = { "x-user-id": "spoofed" };
    if (auth) headers.authorization = auth;
    const req = http.request({ host: HOST, port: worker.port, path, headers, agent, timeout: 15_000 }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on("timeout", () => req.destroy(new Error("request timeout")));
    req.on("error", reject);
    req.end();
  });
}

let next = 0;
let wrong = 0;
const counts = {};
const started = Date.now();
async function lane() {
  while (next < TOTAL) {
    if (Date.now() - started > DEADLINE_MS) throw new Error(`deadline of ${DEADLINE_MS} ms exceeded`);
    const i = next++;
    const want = kinds[i % kinds.length](users[i % users.length]);
    const got = await send(want);
    counts[got.status] = (counts[got.status] ?? 0) + 1;
    let ok = got.status === want.status;
    if (ok && got.status === 200 && want.user) {
      const seen = JSON.parse(got.body).headers;
      ok = seen["x-user-id"] === want.user && seen["x-user-email"] === `${want.user}@example.com`;
    } else if (ok && got.status === 200) {
      ok = JSON.parse(got.body).headers["x-user-id"] === undefined;
    }
    if (!ok && wrong++ < 5) console.error(`WRONG: ${want.path} want ${want.status} got ${got.status} ${got.body.slice(0, 200)}`);
  }
}

let failed = false;
try {
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  const secs = (Date.now() - started) / 1000;
  console.log(
    `worker load: ${TOTAL} requests, concurrency ${CONCURRENCY}, ${secs.toFixed(1)} s, ` +
      `${(TOTAL / secs).toFixed(0)} req/s, statuses ${JSON.stringify(counts)}, wrong decisions: ${wrong}`,
  );
  failed = wrong > 0;
} catch (e) {
  console.error(e);
  failed = true;
} finally {
  agent.destroy();
  await worker.stop();
  await origin.close();
}
process.exit(failed ? 1 : 0);
