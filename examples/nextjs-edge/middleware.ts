// jwtgate in front of /api/v1/* on the Edge runtime (middleware.ts: deprecated in Next.js 16
// in favour of proxy.ts, but still what runs on the edge). The package's `edge-light` entry
// loads the Wasm as a precompiled module (`import … from "./jwtgate_wasm_bg.wasm?module"`),
// which is the only way the Edge runtime allows. Same code as proxy.ts otherwise; settings:
// lib/gate.ts.
import { NextResponse, type NextRequest } from "next/server";
import { gateState } from "@/lib/gate";

export async function middleware(request: NextRequest) {
  const state = await gateState();
  if (!state.ready) return NextResponse.json({ detail: state.detail }, { status: state.status, headers: { "cache-control": "no-store" } });
  const { gate, origin } = state;
  // With JWKS_URL: the key set is refetched when stale, or once per cooldown for an unknown kid.
  const decision = await gate.authorizeAsync(request);
  if (!decision.allowed) return gate.deny(decision);

  // Every client-sent x-user-id / x-user-email (any spelling) replaced by the verified claims.
  const headers = gate.originHeaders(request, decision);
  const url = new URL(request.url); // the URL the gate decided on, forwarded as is
  const target = new URL(url.pathname + url.search, origin);
  return NextResponse.rewrite(target, { request: { headers } });
}

export const config = { matcher: "/api/v1/:path*" };
