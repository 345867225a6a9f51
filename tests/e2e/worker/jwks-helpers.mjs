// Helpers of the key-set tests (jwks*.test.mjs): a counting key server, Ed25519 keys and
// tokens minted here (test-only code), the worker's Cache API entry layout, and a second
// Worker ("a neighbour on the zone") that writes to the same local Cache API.
import { spawn } from "node:child_process";
import { createHmac, generateKeyPairSync, sign } from "node:crypto";
import { writeFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { HOST, ROOT, freePort, nowSecs } from "./harness.mjs";

/** A key-set server on loopback that counts GETs; `respond` and `body` are swappable. */
export async function keyServer(body) {
  const state = {
    count: 0,
    body,
    respond: (req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(state.body);
    },
  };
  const server = http.createServer((req, res) => {
    state.count += 1;
    state.respond(req, res);
  });
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, HOST, resolve));
  state.url = `http://${HOST}:${port}/api/auth/jwks`;
  state.close = () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); });
  return state;
}

/** An Ed25519 key pair as Better Auth publishes it ({ jwk }, with `kid`) and a signer. */
export function edKey(kid) {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const jwk = { alg: "EdDSA", ...publicKey.export({ format: "jwk" }), kid };
  return {
    jwk,
    /** A compact EdDSA JWS of `payload` under this key (header names `kid`). */
    token(payload) {
      const enc = (v) => Buffer.from(JSON.stringify(v)).toString("base64url");
      const input = `${enc({ alg: "EdDSA", kid })}.${enc(payload)}`;
      return `${input}.${sign(null, Buffer.from(input), privateKey).toString("base64url")}`;
    },
  };
}

/** Better Auth-shaped claims (issuer = audience = `baseURL`) for `sub`, valid now. */
export function edClaims(baseURL, sub) {
  const iat = nowSecs() - 60;
  return { iat, name: sub, email: `${sub}@example.com`, id: sub, sub, exp: iat + 900, iss: baseURL, aud: baseURL };
}

// The worker's Cache API entry (worker/src/jwks.rs, worker/src/jwks_cache.rs): its key, and
// the MAC a worker holding `secret` writes. Mirrored here so a test can write an entry the
// worker must accept (the control that proves a refused entry was read, not missed).
export const cacheKey = (url) => `https://jwtgate-jwks.invalid/${encodeURIComponent(url)}`;

export function cacheMac(secret, url, fetchedAt, maxAgeMs, body) {
  const label = Buffer.from("jwtgate-jwks-cache-v1");
  const key = createHmac("sha256", secret).update(label).digest();
  const u64 = (n) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(n));
    return b;
  };
  const bytes = (s) => Buffer.from(s, "utf8");
  const input = Buffer.concat([
    label,
    u64(bytes(url).length), bytes(url),
    u64(fetchedAt), u64(maxAgeMs),
    u64(bytes(body).length), bytes(body),
  ]);
  return createHmac("sha256", key).update(input).digest("hex");
}

/** The headers of a Cache API entry; `mac` omitted → none sent. */
export function cacheHeaders({ fetchedAt, maxAgeMs, mac }) {
  const headers = {
    "content-type": "application/json",
    // The Cache API only keeps what has a max-age.
    "cache-control": `s-maxage=${Math.max(1, Math.floor(Math.min(maxAgeMs, 10 * 365 * 86_400_000) / 1000))}`,
    "x-jwtgate-fetched-at": String(fetchedAt),
    "x-jwtgate-max-age-ms": String(maxAgeMs),
  };
  if (mac !== undefined) headers["x-jwtgate-mac"] = mac;
  return headers;
}

// Another Worker on the same zone. `caches.default` is shared by every Worker of a zone; in
// local dev miniflare keeps it in one Durable Object named "default" under the persist
// directory (node_modules/miniflare: cache-entry.worker.js, idFromName("default"), whatever
// the Worker's name), so a second `wrangler dev` with its own script and name and the same
// --persist-to writes exactly the entries a jwtgate `wrangler dev` there reads.
const NEIGHBOUR = `// A Worker that is not jwtgate: it writes whatever it is told into caches.default.
export default {
  async fetch(request) {
    if (request.method !== "POST") return new Response("ready");
    const entries = await request.json();
    for (const { key, body, headers } of entries) {
      await caches.default.put(key, new Response(body, { headers }));
      if (!(await caches.default.match(key))) return new Response("not stored: " + key, { status: 500 });
    }
    return new Response("planted " + entries.length);
  },
};
`;

/**
 * Runs the neighbour Worker with `persistTo`, writes `entries` ([{ key, body, headers }])
 * into its `caches.default`, and stops it (so jwtgate starts afterwards on that state).
 */
export async function plantAsNeighbour(dir, persistTo, entries) {
  writeFileSync(path.join(dir, "neighbour.mjs"), NEIGHBOUR);
  writeFileSync(
    path.join(dir, "neighbour.toml"),
    `name = "zone-neighbour"\nmain = "neighbour.mjs"\ncompatibility_date = "2025-11-01"\n`,
  );
  const port = await freePort();
  const inspector = await freePort();
  const args = ["wrangler", "dev", "--config", path.join(dir, "neighbour.toml"), "--ip", HOST, "--port", String(port),
    "--inspector-port", String(inspector), "--show-interactive-dev-session=false", "--persist-to", persistTo];
  // npx from the repository root (its wrangler); the config names the neighbour's own script.
  const child = spawn("npx", args, {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", CI: "1" },
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`neighbour wrangler dev exited:\n${output}`);
      if (/Ready on/.test(output)) {
        try {
          const r = await fetch(`http://${HOST}:${port}/`);
          if (r.ok) break;
        } catch {}
      }
      if (Date.now() > deadline) throw new Error(`neighbour wrangler dev not ready:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const r = await fetch(`http://${HOST}:${port}/`, { method: "POST", body: JSON.stringify(entries) });
    const text = await r.text();
    if (!r.ok) throw new Error(`planting failed: ${text}\n${output}`);
  } finally {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {}
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
    }, 5000);
    await exited;
    clearTimeout(timer);
  }
}
