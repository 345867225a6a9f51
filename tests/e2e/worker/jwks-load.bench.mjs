// Key-set fetches under load, through the real worker (wrangler dev): N EdDSA requests, half
// with a valid token, half naming a fresh random `kid` each time (a rotation storm), against
// a key server on loopback that counts requests. The worker may fetch at most once at start
// plus once per 30 s cooldown; every decision is checked. `make bench-worker`.
//   LOAD_REQUESTS (10000), LOAD_CONCURRENCY (16), LOAD_DEADLINE_S (300)
import http from "node:http";
import { generateKeyPairSync, sign } from "node:crypto";
import { HOST, freePort, nowSecs, startEchoOrigin, startWorker } from "./harness.mjs";

const TOTAL = Number(process.env.LOAD_REQUESTS ?? 10_000);
const CONCURRENCY = Number(process.env.LOAD_CONCURRENCY ?? 16);
const DEADLINE_MS = Number(process.env.LOAD_DEADLINE_S ?? 300) * 1000;
const COOLDOWN_S = 30;
const APP = "http://localhost:3000";

const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const jwks = { keys: [{ ...publicKey.export({ format: "jwk" }), alg: "EdDSA", kid: "current" }] };
let fetches = 0;
const keyServer = http.createServer((req, res) => {
  fetches += 1;
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(jwks));
});
const keyPort = await freePort();
await new Promise((resolve) => keyServer.listen(keyPort, HOST, resolve));

const b64 = (v) => Buffer.from(JSON.stringify(v)).toString("base64url");
function token(sub, kid) {
  const iat = nowSecs() - 60;
  const input = `${b64({ alg: "EdDSA", kid })}.${b64({ sub, email: `${sub}@example.com`, iat, exp: iat + 900, iss: APP, aud: APP })}`;
  return `${input}.${sign(null, Buffer.from(input), privateKey).toString("base64url")}`;
}
const users = Array.from({ length: 50 }, (_, i) => `user-${i}`);
const valid = new Map(users.map((u) => [u, token(u, "current")]));

const origin = await startEchoOrigin();
const before = fetches;
const worker = await startWorker({ JWKS_URL: `http://${HOST}:${keyPort}/api/auth/jwks`, ISSUER: APP, AUDIENCE: APP, ORIGIN_URL: origin.url });
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function send(path, auth) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: HOST, port: worker.port, path, headers: { authorization: auth }, agent, timeout: 15_000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
    });
    req.on("timeout", () => req.destroy(new Error("request timeout")));
    req.on("error", reject);
    req.end();
  });
}

let next = 0;
let wrong = 0;
const started = Date.now();
async function lane() {
  while (next < TOTAL) {
    if (Date.now() - started > DEADLINE_MS) throw new Error(`deadline of ${DEADLINE_MS} ms exceeded`);
    const i = next++;
    const u = users[i % users.length];
    const rotating = i % 2 === 1;
    const auth = `Bearer ${rotating ? token(u, `rotated-${i}`) : valid.get(u)}`;
    const status = await send(`/api/v1/${u}/tasks`, auth);
    if (status !== (rotating ? 401 : 200) && wrong++ < 5) console.error(`WRONG: request ${i} got ${status}`);
  }
}

let failed = false;
try {
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  const secs = (Date.now() - started) / 1000;
  const used = fetches - before;
  const allowed = 1 + Math.ceil(secs / COOLDOWN_S);
  console.log(
    `worker jwks load: ${TOTAL} requests (half with a fresh unknown kid), ${secs.toFixed(1)} s, ` +
      `key-set fetches ${used} (allowed ≤ ${allowed}), wrong decisions: ${wrong}`,
  );
  failed = wrong > 0 || used > allowed;
} catch (e) {
  console.error(e);
  failed = true;
} finally {
  agent.destroy();
  await worker.stop();
  await origin.close();
  keyServer.close();
}
process.exit(failed ? 1 : 0);
