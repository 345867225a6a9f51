// Fetching a remote key set (Gate.fromJwksUrl): only the I/O. When to fetch is the core's
// refresh policy (JwksRefresh); what a valid set is, the core's key-set parser.
import { maxJwksBytes } from "./jwtgate_wasm.js";

// workerd cannot await a promise created by another request ("Cannot perform I/O on behalf
// of a different request"): there, concurrent requests never share a key-set fetch.
export const SHARE_FLIGHTS = !(typeof navigator === "object" && navigator?.userAgent === "Cloudflare-Workers");

/**
 * One GET of a key set: manual redirects (a 3xx is a failure), 200 only, at most the core's
 * byte cap, within `timeoutMs` (headers and body). Resolves `{ text, cacheControl }`.
 */
export async function fetchJwks(fetchImpl, url, timeoutMs) {
  const signal = AbortSignal.timeout(timeoutMs);
  const response = await fetchImpl(url, { redirect: "manual", signal, headers: { accept: "application/json" } });
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => {});
    throw new Error(`key set fetch answered ${response.status}`);
  }
  const bytes = await boundedBody(response, maxJwksBytes());
  return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes), cacheControl: response.headers.get("cache-control") ?? undefined };
}

/**
 * A response's body, at most `cap` bytes (declared or streamed: larger rejects, the body
 * cancelled). Shared by the key-set fetch and the get-session fetch (session.js).
 */
export async function boundedBody(response, cap) {
  const declared = Number(response.headers.get("content-length"));
  if (declared > cap) {
    await response.body?.cancel().catch(() => {});
    throw new Error("response larger than the cap");
  }
  const chunks = [];
  let size = 0;
  if (response.body === null) return new Uint8Array(0);
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > cap) {
      await reader.cancel().catch(() => {});
      throw new Error("response larger than the cap");
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return bytes;
}
