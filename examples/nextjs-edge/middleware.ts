// jwtgate in front of /api/v1/* on the Edge runtime (middleware.ts: deprecated in Next.js 16
// in favour of proxy.ts, but still what runs on the edge). The package's `edge-light` entry
// loads the Wasm as a precompiled module (`import … from "./jwtgate_wasm_bg.wasm?module"`),
// which is the only way the Edge runtime allows. Same code as proxy.ts otherwise; settings:
// lib/gate.ts.
import { NextResponse, type NextRequest } from "next/server";
import { gateState } from "@/lib/gate";

export async function middleware(request: NextRequest) {
  // Session mode: no Better Auth in this runtime; a cookie cache that cannot decide is
  // settled by GET {BETTER_AUTH_URL}/api/auth/get-session with the request's cookies.
  const state = await gateState();
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
