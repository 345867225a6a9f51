/** Options of a {@link Gate}. Validated once, at construction. */
export interface GateOptions {
  /**
   * `BETTER_AUTH_SECRET` for HS256 tokens: at least 32 characters, not a published default
   * or placeholder. Optional when `jwks` is given (then HS256 tokens are refused).
   */
  secret?: string;
  /**
   * Ed25519 public keys for EdDSA tokens (Better Auth's JWT plugin, `/api/auth/jwks`): a JWKS
   * object or its JSON text. OKP/Ed25519 keys are used; EC/RSA keys are skipped. Needs
   * `issuer` and `audience`. The algorithm is pinned by the key: HS256 only with `secret`,
   * EdDSA/Ed25519 only with a key of this set.
   */
  jwks?: JsonWebKeySet | string;
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
  /**
   * Paths under the prefix that need only a valid token (the caller's own resources, which
   * name no user id), as full paths, each optionally for one method (`"GET /api/v1/me/tasks"`;
   * `GET` also covers `HEAD`). Default `["/api/v1/me/profile"]` (`{apiPrefix}me/profile`),
   * the spec's one such route; `[]` for none. Matched against the percent-decoded path
   * exactly (case-sensitive after the prefix; one trailing `/` tolerated). Every other path
   * under the prefix follows the `{user_id}` rule, so list every `/me/…` route your origin serves.
   */
  selfRoutes?: string[];
  /** The clock: a function returning Unix seconds, or a fixed number. Default: the system clock. */
  now?: (() => number) | number;
  /**
   * Slots of the verified-token cache (rounded up to a power of two; 0 turns it off).
   * Default 256. A token seen before skips the signature and JSON work, never the time
   * rules: `exp`, `iat` and `nbf` are judged again on every call.
   */
  cacheSize?: number;
  /**
   * What the origin receives in `Authorization` for an allowed request (`originHeaders`,
   * `originRequest`): `"forward"` (default) the client's header unchanged; `"hs256"` the
   * bridge, a token in the spec's own shape (HS256 signed with `secret`, `sub`/`email`/`name`,
   * the verified token's own `iat` and `exp`), so a backend written from the spec serves
   * requests that came with Better Auth's EdDSA tokens. `"hs256"` needs `secret`.
   */
  originToken?: "forward" | "hs256";
  /**
   * The browser entry refuses a `secret` (GateConfigError `secret_in_browser`) unless this is
   * `true`: a secret in a page is readable by every visitor, who can then mint tokens for any
   * user. For tests only. Ignored by the server entries.
   */
  dangerouslyAllowSecretInBrowser?: boolean;
}

/** A JSON Web Key Set as Better Auth publishes it. */
export interface JsonWebKeySet {
  keys: Array<{ kty: string; kid?: string; crv?: string; x?: string; alg?: string; use?: string; [member: string]: unknown }>;
}

/** Options of {@link Gate.fromJwksUrl}: the Gate options (without `jwks`) plus jose's fetch knobs. */
export interface RemoteJwksOptions extends Omit<GateOptions, "jwks"> {
  /** How long a fetched key set is fresh, in ms, when the response has no Cache-Control max-age. Default 600000 (10 min). */
  cacheMaxAge?: number;
  /** Least time between two fetches (unknown `kid`, retries after a failure), in ms. Default 30000. */
  cooldownDuration?: number;
  /** Timeout of one fetch (headers and body), in ms. Default 5000. */
  timeoutDuration?: number;
  /** The fetch implementation. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
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
  | "unknown_key";

export interface Allowed {
  allowed: true;
  /** The token's `sub`. */
  userId: string;
  claims: Claims;
}

export interface Denied {
  allowed: false;
  /** 401 authentication, 403 another user's path, 400 a path or method the gate will not pass on. */
  status: 400 | 401 | 403;
  code: GateErrorCode;
  /** Human text, the spec's wording where it has one (e.g. "Token expired"). */
  detail: string;
}

export type Decision = Allowed | Denied;

/**
 * A refused decision, as methods that only make sense for one take it: `Denied` where
 * TypeScript narrows `Decision` on `if (!decision.allowed)` (`strictNullChecks`, part of
 * `strict`), any `Decision` where it cannot (`strict: false`, the tsconfig Next.js writes),
 * so that the idiom `if (!decision.allowed) return gate.deny(decision)` compiles under both.
 * An allowed decision passed at run time throws a `TypeError` (a bug in the caller).
 */
export type DeniedDecision = undefined extends null ? Decision : Denied;

/** Anything with a method, a URL (absolute, or a path) and headers (Headers, or a plain object). */
export interface RequestLike {
  method?: string;
  url: string;
  headers?: Headers | Record<string, string | string[] | undefined> | { get(name: string): string | null };
  /** Forwarded by `originRequest` (methods other than GET/HEAD). */
  body?: BodyInit | null;
}

/**
 * Thrown by `originHeaders`/`originRequest`/`deny` for a caller's mistake (never for a request):
 * `decision_not_allowed` (a refusal was passed: answer it with `gate.deny`),
 * `decision_not_denied` (an allowed decision was passed to `deny`),
 * `invalid_decision` (not what `authorize` returned), `invalid_origin_url`, `invalid_request`.
 */
export interface GateUsageError extends TypeError {
  readonly code: "decision_not_allowed" | "decision_not_denied" | "invalid_decision" | "invalid_origin_url" | "invalid_request";
}

export declare class GateError extends Error {
  readonly name: "GateError";
  readonly status: number;
  readonly code: GateErrorCode;
  readonly detail: string;
}

export declare class GateConfigError extends Error {
  readonly name: "GateConfigError";
  /** e.g. "secret_too_short", "known_default_secret", "unknown_option", "invalid_jwk", "jwks_unavailable". */
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
  /**
   * The headers for the origin: a copy of the request's, with `x-user-id` / `x-user-email`
   * (every client-sent spelling replaced) set from the verified claims, written in the
   * identity encoding (ordinary ids and emails unchanged, anything else percent-encoded UTF-8).
   * Typed `Allowed`: after `if (!decision.allowed) return gate.deny(decision);` TypeScript
   * narrows to it with or without `strictNullChecks`. With `originToken: "hs256"`,
   * `Authorization` carries the bridge token instead of the client's.
   * @throws {GateUsageError} `decision_not_allowed` when given a refusal; {GateError} when
   * the bridge's re-verification refuses (the token expired since `authorize`).
   */
  originHeaders(request: Request | RequestLike, decision: Allowed): Headers;
  /**
   * A Request for `originBaseUrl` + the request's path and query: `originHeaders` without
   * `host` and hop-by-hop headers, same method and body, `redirect: "manual"`.
   * @throws {GateUsageError} `decision_not_allowed` when given a refusal, `invalid_origin_url`.
   */
  originRequest(request: Request | RequestLike, decision: Allowed, originBaseUrl: string | URL): Request;
  /**
   * `{"detail": …}` JSON Response with the decision's status; `WWW-Authenticate: Bearer …` on 401.
   * @throws {GateUsageError} `decision_not_denied` when given an allowed decision.
   */
  deny(decision: DeniedDecision, init?: { headers?: HeadersInit }): Response;
  /**
   * A gate whose key set follows `url` (Better Auth: `${baseURL}/api/auth/jwks`). Resolves after
   * the first successful fetch; rejects with GateConfigError (`jwks_unavailable`, or the key
   * set's own code). Redirects are not followed, only 200 is accepted, the body is capped.
   */
  static fromJwksUrl(url: string | URL, options: RemoteJwksOptions): Promise<Gate>;
  /**
   * Refetches the key set if the refresh policy allows it now ("due": stale after max-age;
   * "unknown_kid": at most once per cooldown). `true` when a new set is in use; a failed fetch
   * keeps the last good set. Concurrent calls share one fetch (except on workerd).
   */
  refresh(reason?: "due" | "unknown_kid"): Promise<boolean>;
  /** `verify` with the key set refreshed when stale, and refetched once on an unknown `kid`. */
  verifyAsync(token: string): Promise<Claims>;
  /** `authorize` with the key set refreshed when stale, and refetched once on an unknown `kid`. Never rejects. */
  authorizeAsync(request: Request | RequestLike): Promise<Decision>;
}
