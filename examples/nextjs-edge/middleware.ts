// jwtgate in front of /api/v1/* on the Edge runtime (middleware.ts: deprecated in Next.js 16
// in favour of proxy.ts, but still what runs on the edge). The package's `edge-light` entry
// loads the Wasm as a precompiled module (`import … from "./jwtgate_wasm_bg.wasm?module"`),
// which is the only way the Edge runtime allows. Same code as proxy.ts otherwise.
import { NextResponse, type NextRequest } from "next/server";
import { Gate } from "jwtgate";

const MISCONFIGURED = () =>
  NextResponse.json({ detail: "Gate misconfigured" }, { status: 500, headers: { "cache-control": "no-store" } });

let gate: Gate | null = null;
let origin: URL | null = null;
let failed = false;
function setup(): boolean {
  if (gate && origin) return true;
  if (failed) return false;
  try {
    // Throws GateConfigError for a missing, short or placeholder secret (the message never contains it).
    gate = new Gate({ secret: process.env.BETTER_AUTH_SECRET ?? "" });
    origin = new URL(process.env.ORIGIN_URL ?? "");
    return true;
  } catch (e) {
    failed = true;
    const why = e instanceof Error ? `${(e as { code?: string }).code ?? e.name}: ${e.message}` : String(e);
    console.error(`[jwtgate] gate misconfigured (check BETTER_AUTH_SECRET and ORIGIN_URL), every /api/v1 request answers 500. ${why}`);
    return false;
  }
}

export function middleware(request: NextRequest) {
  if (!setup()) return MISCONFIGURED();
  const decision = gate!.authorize(request);
  if (!decision.allowed) return gate!.deny(decision);

  // Every client-sent x-user-id / x-user-email (any spelling) replaced by the verified claims.
  const headers = gate!.originHeaders(request, decision);
  const url = new URL(request.url); // the URL the gate decided on, forwarded as is
  const target = new URL(url.pathname + url.search, origin!);
  return NextResponse.rewrite(target, { request: { headers } });
}

export const config = { matcher: "/api/v1/:path*" };
