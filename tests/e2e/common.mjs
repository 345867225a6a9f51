// Helpers shared by the end-to-end harnesses (worker, Next.js) and the corpus runner.
import { createHmac } from "node:crypto";
import net from "node:net";

export const HOST = "127.0.0.1";
export const nowSecs = () => Math.floor(Date.now() / 1000);

const b64url = (buf) => Buffer.from(buf).toString("base64url");

/** A compact HS256 JWS (test-only minting). `header`/`payload`: objects, or raw strings sent as they are. */
export function signJws(payload, secret, header = { alg: "HS256", typ: "JWT" }) {
  const enc = (v) => b64url(typeof v === "string" ? v : JSON.stringify(v));
  const input = `${enc(header)}.${enc(payload)}`;
  return `${input}.${b64url(createHmac("sha256", secret).update(input).digest())}`;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}
