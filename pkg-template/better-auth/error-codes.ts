// Error codes of the jwtgate plugin pair, in Better Auth's `defineErrorCodes` shape
// ({ code, message }, exposed as `$ERROR_CODES` on both halves). Written out here so the
// client half does not import Better Auth's server entry for a three-line helper.

function defineErrorCodes<const T extends Record<string, string>>(codes: T) {
  return Object.fromEntries(
    Object.entries(codes).map(([code, message]) => [code, { code, message, toString: () => code }]),
  ) as { [K in keyof T & string]: { code: K; message: T[K]; toString: () => K } };
}

export const JWTGATE_ERROR_CODES = defineErrorCodes({
  TOKEN_NOT_ISSUED: "The token would not pass the gate, so it was not issued",
  INVALID_CLAIMS_HOOK_RESULT: "The jwtgate claims hook must return a plain object",
  NO_SESSION: "No Better Auth session: sign in to get a token",
  TOKEN_REQUEST_FAILED: "The token request failed",
  INVALID_TOKEN_RESPONSE: "The token endpoint answered without a token and its expiry",
  SESSION_CHANGED: "The session kept changing while the token was being fetched",
});

/** A token could not be obtained. `status` is the token endpoint's HTTP status (0: no answer). */
export class JwtgateTokenError extends Error {
  readonly status: number;
  readonly code: keyof typeof JWTGATE_ERROR_CODES;
  constructor(code: keyof typeof JWTGATE_ERROR_CODES, status: number, message?: string) {
    super(message ?? JWTGATE_ERROR_CODES[code].message);
    this.name = "JwtgateTokenError";
    this.code = code;
    this.status = status;
  }
}
