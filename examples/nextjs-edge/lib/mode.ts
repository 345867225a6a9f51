// How the page authenticates its /api/v1 calls (read at build time, in the server and the
// page's bundles alike): "session" (default) sends Better Auth's session cookies and the gate
// verifies them (jwtgate's session mode); "bearer" (NEXT_PUBLIC_JWTGATE_MODE=bearer) sends a
// token from jwtgate's plugin. API clients with a Bearer token are accepted in both modes.
export const MODE: "session" | "bearer" = process.env.NEXT_PUBLIC_JWTGATE_MODE === "bearer" ? "bearer" : "session";
