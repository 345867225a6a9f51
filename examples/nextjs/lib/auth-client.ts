// Better Auth in the browser, with jwtgate's client half: `authClient.jwtgate.getToken()`
// (kept in memory, renewed before it expires) and `authClient.jwtgate.fetch` (Bearer
// attached, one renewal + retry on a 401).
import { createAuthClient } from "better-auth/react";
import { jwtgateClient } from "jwtgate/better-auth/client";

export const authClient = createAuthClient({ plugins: [jwtgateClient()] });
