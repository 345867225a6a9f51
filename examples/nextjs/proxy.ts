// jwtgate in front of /api/v1/* (Next.js 16 proxy.ts: Node.js runtime).
// Every decision (token, claims, path owner) is made by jwtgate's Rust core; this file only
// wires it to Next: refuse with gate.deny(), or rewrite to the origin with
// gate.originHeaders() (identity headers from the verified claims; with ORIGIN_TOKEN=hs256
// the bridge token too). Settings: lib/gate.ts.
import { NextResponse, type NextRequest } from "next/server";
import { auth } from "@/lib/auth";
import { gateState } from "@/lib/gate";

export async function proxy(request: NextRequest) {
  // Session mode: a cookie cache that cannot decide (missing, expired) is settled by Better
  // Auth in process; its Set-Cookie (a fresh cache) goes back to the browser.
  const state = await gateState({ getSession: auth.api.getSession });
  if (!state.ready) return NextResponse.json({ detail: state.detail }, { status: state.status, headers: { "cache-control": "no-store" } });
  const { gate, origin } = state;
  // With JWKS_URL: the key set is refetched when stale, or once per cooldown for an unknown kid.
  const decision = await gate.authorizeAsync(request);
  if (!decision.allowed) return withCookies(gate.deny(decision), decision.setCookies);

  // Every client-sent x-user-id / x-user-email (any spelling) replaced by the verified claims.
  const headers = gate.originHeaders(request, decision);
  const url = new URL(request.url); // the URL the gate decided on, forwarded as is
  const target = new URL(url.pathname + url.search, origin);
  return withCookies(NextResponse.rewrite(target, { request: { headers } }), decision.setCookies);
}

/** Better Auth's Set-Cookie lines from a session refresh, on the response to the browser. */
function withCookies(response: Response, setCookies: string[] | undefined): Response {
  for (const line of setCookies ?? []) response.headers.append("set-cookie", line);
  return response;
}

export const config = { matcher: "/api/v1/:path*" };
