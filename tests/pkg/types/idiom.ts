// Declaration tests (scripts/test-pkg.sh: tsc over the installed tarball). This file must
// compile under every tsconfig here: strict on, strict off (Next.js's default), nodenext.
import { Gate, GateError, type Allowed, type Claims, type Decision, type GateErrorCode } from "jwtgate";

const gate = new Gate({ secret: "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa", cacheSize: 0 });

// The README idiom (issue 16: it failed under strict: false, where `!decision.allowed` does
// not narrow). After the early return the decision is allowed in both modes.
export function idiom(request: Request): Response {
  const decision = gate.authorize(request);
  if (!decision.allowed) return gate.deny(decision);
  const userId: string = decision.userId;
  const email: string = decision.claims.email;
  return Response.json({ userId, email });
}

// The other ways of writing it.
export function ifAllowed(request: Request): Response {
  const decision = gate.authorize(request);
  if (decision.allowed) return Response.json({ userId: decision.userId });
  return gate.deny(decision, { headers: { "access-control-allow-origin": "http://localhost:3000" } });
}
export const ternary = (request: Request): Response => {
  const d = gate.authorize(request);
  return d.allowed ? Response.json(d.claims) : gate.deny(d);
};
export function equality(request: { url: string; headers: Record<string, string> }): Response | Allowed {
  const d: Decision = gate.authorize(request);
  if (d.allowed === false) {
    const code: GateErrorCode = d.code;
    const status: 400 | 401 | 403 | 503 = d.status;
    return code && status ? gate.deny(d) : gate.deny(d);
  }
  return d;
}

export function verify(token: string): Claims | number {
  try {
    return gate.verify(token);
  } catch (e) {
    if (e instanceof GateError) return e.status;
    throw e;
  }
}

// Session mode (issue 22): the options, and what a session decision carries.
const sessions = new Gate({
  secret: "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa",
  sessionStrategy: "compact",
  baseUrl: "https://app.example.com",
  trustedOrigins: ["https://admin.example.com"],
  sessionMaxAge: 300,
  getSession: async ({ headers }) => (headers.get("cookie") ? null : null),
});
export async function session(request: Request): Promise<Response> {
  const decision = await sessions.authorizeAsync(request);
  if (!decision.allowed) return sessions.deny(decision);
  const role: unknown = decision.user?.role;
  const organization: unknown = decision.session?.activeOrganizationId;
  const response = Response.json({ userId: decision.userId, role, organization, via: decision.via });
  for (const line of decision.setCookies ?? []) response.headers.append("set-cookie", line);
  return response;
}
