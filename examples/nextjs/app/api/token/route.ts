// Demo session → a short-lived HS256 token (15 minutes), minted with jose.
// In a real app this is Better Auth's /api/auth/token; jwtgate only verifies.
import { SignJWT } from "jose";

export const dynamic = "force-dynamic";

const USERS: Record<string, { email: string; name: string }> = {
  alice: { email: "alice@example.com", name: "Alice Demo" },
  bob: { email: "bob@example.com", name: "Bob Demo" },
};

export async function GET(request: Request) {
  const user = new URL(request.url).searchParams.get("user") ?? "alice";
  const profile = USERS[user];
  if (!profile) return Response.json({ detail: "Unknown demo user" }, { status: 404 });
  const secret = process.env.BETTER_AUTH_SECRET;
  if (!secret) return Response.json({ detail: "BETTER_AUTH_SECRET is not set" }, { status: 500 });
  const iat = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ email: profile.email, name: profile.name })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(user)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 900)
    .sign(new TextEncoder().encode(secret));
  return Response.json({ token, user }, { headers: { "cache-control": "no-store" } });
}
