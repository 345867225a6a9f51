// Type regressions of the plugin pair, checked by `tsc --noEmit` (types.test.mjs) against
// the BUILT declarations in pkg/better-auth/: what users' editors and builds see.
import { betterAuth } from "better-auth";
import { createAuthClient } from "better-auth/client";
import { jwtgate, JWTGATE_ERROR_CODES } from "../../pkg/better-auth/server.js";
import { jwtgateClient, createJwtgateFetch, type JwtgateToken } from "../../pkg/better-auth/client.js";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | void {}

const auth = betterAuth({ plugins: [jwtgate({ lifetimeSeconds: 1200, claims: (user) => ({ role: user.email }) })] });
type ServerToken = Awaited<ReturnType<typeof auth.api.getJwtgateToken>>;
expectType<Equal<ServerToken, { token: string; expiresAt: number }>>();
expectType<Equal<JwtgateToken, { token: string; expiresAt: number }>>();

const client = createAuthClient({ plugins: [jwtgateClient({ refreshSkewSeconds: 30 })] });
expectType<Equal<ReturnType<typeof client.jwtgate.getToken>, Promise<string>>>();
expectType<Equal<Parameters<typeof client.jwtgate.getToken>, [options?: { forceRefresh?: boolean }]>>();
expectType<Equal<Awaited<ReturnType<typeof client.jwtgate.fetch>>, Response>>();
const apiFetch = createJwtgateFetch(client.jwtgate);
expectType<Equal<Awaited<ReturnType<typeof apiFetch>>, Response>>();
expectType<Equal<typeof JWTGATE_ERROR_CODES.NO_SESSION.code, "NO_SESSION">>();

// @ts-expect-error unknown option
jwtgate({ lifetime: 900 });
// @ts-expect-error the hook returns an object of claims
jwtgate({ claims: () => "role" });
