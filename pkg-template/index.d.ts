/** Options of a {@link Gate}. Validated once, at construction. */
export interface GateOptions {
  /** `BETTER_AUTH_SECRET`: at least 32 characters, not a published default or placeholder. */
  secret: string;
  /** Secrets still accepted during a rotation (array, or a comma-separated string). At most 4. */
  previousSecrets?: string[] | string;
  /** When set, `iss` must equal it. */
  issuer?: string;
  /** When set, `aud` must be or contain it. When unset, tokens carrying `aud` are refused. */
  audience?: string;
  /** Clock skew tolerated on exp/iat/nbf, in seconds. Default 0. */
  leewaySeconds?: number;
  /** Smallest accepted `exp - iat`, inclusive. Default 900. */
  minLifetimeSeconds?: number;
  /** Largest accepted `exp - iat`, inclusive. Default 1800. */
  maxLifetimeSeconds?: number;
  /** Protected path prefix. Default `/api/v1/`. */
  apiPrefix?: string;
  /** The clock: a function returning Unix seconds, or a fixed number. Default: the system clock. */
  now?: (() => number) | number;
  /**
   * Slots of the verified-token cache (rounded up to a power of two; 0 turns it off).
   * Default 256. A token seen before skips the signature and JSON work, never the time
   * rules: `exp`, `iat` and `nbf` are judged again on every call.
   */
  cacheSize?: number;
}

/**
 * Claims of a verified token: `sub`, `email`, `exp`, `iat` are guaranteed; the rest as signed.
 * Deep-frozen: every call that presents the same token gets the same object.
 */
export interface Claims {
  readonly sub: string;
  readonly email: string;
  readonly exp: number;
  readonly iat: number;
  readonly nbf?: number;
  readonly iss?: string;
  readonly aud?: string | readonly string[];
  readonly name?: string;
  readonly [claim: string]: unknown;
}

/** Stable machine codes of every refusal. */
export type GateErrorCode =
  | "missing_authorization"
  | "token_too_large"
  | "malformed_token"
  | "invalid_base64"
  | "invalid_header"
  | "alg_not_allowed"
  | "unsupported_critical_header"
  | "invalid_signature"
  | "invalid_payload"
  | "missing_claims"
  | "invalid_time_claims"
  | "token_expired"
  | "invalid_lifetime"
  | "issued_in_future"
  | "not_yet_valid"
  | "invalid_issuer"
  | "invalid_audience"
  | "invalid_path"
  | "invalid_method"
  | "user_mismatch"
  | "identity_not_forwardable";

export interface Allowed {
  allowed: true;
  /** The token's `sub`. */
  userId: string;
  claims: Claims;
}

export interface Denied {
  allowed: false;
  /** 401 authentication, 403 another user's path, 400 a path, method or identity the gate will not pass on. */
  status: 400 | 401 | 403;
  code: GateErrorCode;
  /** Human text, the spec's wording where it has one (e.g. "Token expired"). */
  detail: string;
}

export type Decision = Allowed | Denied;

/** Anything with a method, a URL (absolute, or a path) and headers (Headers, or a plain object). */
export interface RequestLike {
  method?: string;
  url: string;
  headers?: Headers | Record<string, string | string[] | undefined> | { get(name: string): string | null };
}

export declare class GateError extends Error {
  readonly name: "GateError";
  readonly status: number;
  readonly code: GateErrorCode;
  readonly detail: string;
}

export declare class GateConfigError extends Error {
  readonly name: "GateConfigError";
  /** e.g. "secret_too_short", "known_default_secret", "unknown_option". */
  readonly code: string;
}

export declare class Gate {
  /** @throws {GateConfigError} on a bad configuration. */
  constructor(options: GateOptions);
  /** Verifies a token and returns its claims. @throws {GateError} when refused. */
  verify(token: string): Claims;
  /**
   * Signs `claims` with the current secret as `{"alg":"HS256","typ":"JWT"}`, then checks the
   * token with this gate's own rules at its clock: a token it would refuse is never returned.
   * For Better Auth's token endpoint (`jwtgate/better-auth`), tests and demos.
   * @throws {GateError} with the refusal the token would get (e.g. "invalid_lifetime").
   */
  mint(claims: { sub: string; email: string; iat: number; exp: number; [claim: string]: unknown }): string;
  /** Decides a request. Never throws. */
  authorize(request: Request | RequestLike): Decision;
  /** Does this path need a token (under the API prefix, or ambiguous)? */
  protects(path: string): boolean;
  /** `{"detail": …}` JSON Response with the decision's status; `WWW-Authenticate: Bearer …` on 401. */
  deny(decision: Denied, init?: { headers?: HeadersInit }): Response;
}
