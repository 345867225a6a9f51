// jwtgate in front of /api/v1/* (Next.js 16 proxy.ts: Node.js runtime).
// Every decision (token, claims, path owner) is made by jwtgate's Rust core; this file only
// wires it to Next: refuse with gate.deny(), or rewrite to the origin with
// gate.originHeaders() (identity headers from the verified claims; with ORIGIN_TOKEN=hs256
// the bridge token too). Settings: lib/gate.ts.
import { NextResponse, type NextRequest } from "next/server";
import { gateState } from "@/lib/gate";

export async function proxy(request: NextRequest) {
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
