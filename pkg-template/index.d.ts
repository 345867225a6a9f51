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
  selfRoutes?: string[] | string;
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
   * How many proxies in front of this host the operator trusts to state the client's
   * address, scheme and host. Default 0: the client's `X-Forwarded-*`, `Forwarded` and
   * `X-Real-IP` never reach the origin; the host's facts are set instead (see `OriginFacts`).
   */
  trustedProxies?: number;
  /** Better Auth's cookie prefix (`advanced.cookiePrefix`). Default `"better-auth"`: its cookies never reach the origin. */
  cookiePrefix?: string;
  /** More cookie names removed before the origin (chunks `name.0`, … included): an array, or a comma-separated string. */
  stripCookies?: string[] | string;
  /** Keep Better Auth's cookies for an origin that reads the session itself. Default false. */
  forwardAuthCookies?: boolean;
  /**
   * Session mode: Better Auth's own session cookies (the signed `session_token` and the
   * cookie cache beside it) are a credential too, verified here without a database. Its
   * `session.cookieCache.strategy`: `"compact"` (Better Auth's default), `"jwt"`, `"jwe"`,
   * or `"jwks"` (the JWT plugin's `sessionCookieCache`; needs `jwks`). Default `"off"`.
   * A request with `Authorization` is judged by its token alone.
   */
  sessionStrategy?: "off" | "compact" | "jwt" | "jwe" | "jwks";
  /** Better Auth's base URL (`BETTER_AUTH_URL`): a trusted origin for the CSRF rule, `__Secure-` cookies when https, the `iss` of a `jwks` cache, and where `getSessionUrl` defaults to. */
  baseUrl?: string;
  /** More origins (exact, `https://app.example.com`) trusted for cookie-authenticated unsafe requests: an array, or a comma-separated string. */
  trustedOrigins?: string[] | string;
  /** Read the `__Secure-` cookie names (`advanced.useSecureCookies`). Default: `baseUrl` is https. */
  secureCookies?: boolean;
  /** Better Auth's `session.cookieCache.version` (a string). Default `"1"`. */
  cacheVersion?: string;
  /** Better Auth's `session.cookieCache.maxAge`, seconds: the longest a refreshed answer is remembered. Default 300. */
  sessionMaxAge?: number;
  /**
   * When the cookie cache cannot decide (missing, expired, …), `authorizeAsync` asks Better
   * Auth with this (in process: `auth.api.getSession`; its `Set-Cookie` lands in
   * `decision.setCookies`). Takes precedence over `getSessionUrl`.
   */
  getSession?: (context: { headers: Headers; query?: Record<string, unknown>; returnHeaders: true }) => Promise<unknown>;
  /** Else `authorizeAsync` GETs this with the request's cookies (5 s timeout, no redirects, 200 only). Default `{baseUrl}/api/auth/get-session`. */
  getSessionUrl?: string;
  /**
   * The browser entry refuses a `secret` (GateConfigError `secret_in_browser`) unless this is
   * `true`: a secret in a page is readable by every visitor, who can then mint tokens for any
   * user. For tests only. Holds for `new Gate` and `Gate.fromJwksUrl` alike. Ignored by the
   * server entries; `jwtgate/manual` has no such guard (its host decides where it runs).
   */
  dangerouslyAllowSecretInBrowser?: boolean;
}

/** A JSON Web Key Set as Better Auth publishes it. */
export interface JsonWebKeySet {
  keys: Array<{ kty: string; kid?: string; crv?: string; x?: string; alg?: string; use?: string; [member: string]: unknown }>;
}

/** Options of {@link Gate.fromJwksUrl}: the Gate options (without `jwks`) plus jose's fetch knobs (defaults from the core's refresh policy). */
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

/** Stable machine codes of every refusal (a test holds this equal to `errorTable()`). */
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
  | "unknown_key"
  | "jwks_unavailable"
  | "bearer_session_token"
  | "session_invalid"
  | "session_cache_missing"
  | "session_cache_expired"
  | "session_cache_invalid"
  | "session_cache_strategy"
  | "session_cache_unbound"
  | "session_expired"
  | "csrf_origin_missing"
  | "csrf_origin_untrusted"
  | "session_unavailable"

  | "alg_not_in_build";

/** Stable codes of every configuration error (a test holds this equal to `configErrorTable()`). */
export type GateConfigErrorCode =
  | "secret_too_short"
  | "known_default_secret"
  | "low_entropy_secret"
  | "invalid_lifetime_window"
  | "invalid_api_prefix"
  | "empty_issuer_or_audience"
  | "too_many_previous_secrets"
  | "invalid_self_route"
  | "jwks_needs_issuer_and_audience"
  | "jwks_too_large"
  | "jwks_too_many_keys"
  | "invalid_jwks"
  | "invalid_jwk"
  | "weak_jwk"
  | "jwk_private_key"
  | "duplicate_kid"
  | "jwks_no_usable_key"
  | "origin_token_invalid"
  | "origin_token_needs_secret"
  | "invalid_cookie_name"
  | "missing_secret"
  | "invalid_session_strategy"
  | "session_needs_secret"
  | "session_needs_key_set"
  | "invalid_trusted_origin"
  | "session_needs_base_url"
  | "session_strategy_not_in_build"
  | "invalid_ec_point"
  | "weak_rsa_key"
  | "ambiguous_jwk_alg"
  | "invalid_option"
  | "invalid_number"
  | "unknown_option"
  | "jwks_unavailable"
  | "secret_in_browser";

/** One row of {@link errorTable}. */
export interface RefusalInfo {
  readonly code: GateErrorCode;
  readonly status: number;
  readonly detail: string;
  /** The response body, `{"detail": …}`. */
  readonly body: string;
  readonly wwwAuthenticate: string | null;
  /** Every response header of the refusal, `[name, value]`. */
  readonly headers: readonly (readonly [string, string])[];
}

/** Every refusal the core can give (the runtime source of `GateErrorCode`). */
export declare function errorTable(): readonly RefusalInfo[];
/** Every configuration error code, with the option it names (`null` for the host's own). */
export declare function configErrorTable(): readonly { readonly code: GateConfigErrorCode; readonly option: string | null }[];

/**
 * What only the host knows about the connection, for the origin's forwarding headers.
 * Default: `scheme` and `host` from an absolute request URL, no client address (Next.js'
 * proxy.ts has none). Give `clientAddress` when the platform knows it (e.g. `CF-Connecting-IP`
 * in a Worker, `req.socket.remoteAddress` in Node).
 */
export interface OriginFacts {
  clientAddress?: string;
  scheme?: string;
  host?: string;
}

export interface Allowed {
  allowed: true;
  /** The token's `sub` (session mode: the user's id). */
  userId: string;
  claims: Claims;
  /** `"session"` when Better Auth's session cookies allowed it (session mode). */
  via?: "session";
  /** Session mode: Better Auth's user object (`user.role`, `user.image`, …), as verified. */
  user?: { readonly id: string; readonly email: string; readonly name?: string; readonly [field: string]: unknown };
  /** Session mode: Better Auth's session object (`session.activeOrganizationId`, `session.expiresAt`, …). */
  session?: { readonly id?: string; readonly userId: string; readonly expiresAt: string; readonly [field: string]: unknown };
  /** Session mode: `Set-Cookie` lines Better Auth answered a refresh with; append them to the response. */
  setCookies?: string[];
}

export interface Denied {
  allowed: false;
  /** 401 authentication, 403 another user's path or a CSRF refusal, 400 a path or method the gate will not pass on, 503 `session_unavailable` (session mode: Better Auth could not be asked). */
  status: 400 | 401 | 403 | 503;
  code: GateErrorCode;
  /** Human text, the spec's wording where it has one (e.g. "Token expired"). */
  detail: string;
  /** Session mode: `Set-Cookie` lines Better Auth answered with (e.g. clearing a revoked session's cookies). */
  setCookies?: string[];
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
  readonly code: "decision_not_allowed" | "decision_not_denied" | "invalid_decision" | "invalid_origin_url" | "invalid_request" | "invalid_facts";
}

export declare class GateError extends Error {
  readonly name: "GateError";
  readonly status: number;
  readonly code: GateErrorCode;
  readonly detail: string;
}

export declare class GateConfigError extends Error {
  readonly name: "GateConfigError";
  readonly code: GateConfigErrorCode;
  /** The option at fault (its name in `GateOptions`), when one is: e.g. "previousSecrets" for a short previous secret. */
  readonly option?: string;
}

export declare class Gate {
  /** @throws {GateConfigError} on a bad configuration. */
  constructor(options: GateOptions);
  /**
   * Verifies a token and returns its claims. @throws {GateError} when refused.
   * On a `fromJwksUrl` gate the sync methods follow the refresh policy without waiting: a
   * due refresh (stale set, unknown `kid` after the cooldown) starts in the background and
   * this call decides with the set in use.
   */
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
   * The headers for the origin: a copy of the request's with the core's origin plan applied —
   * `x-user-id` / `x-user-email` (every client-sent spelling replaced) from the verified
   * claims, in the identity encoding; with `originToken: "hs256"` the bridge token in
   * `Authorization`; no hop-by-hop headers, no `host`; the client's `X-Forwarded-*`,
   * `Forwarded` and `X-Real-IP` replaced by `facts` (kept with `trustedProxies`); Better
   * Auth's cookies removed from `Cookie` (`cookiePrefix`, `stripCookies`, `forwardAuthCookies`).
   * The request's token is verified again (a cache hit) and held to the decision's user.
   * @throws {GateUsageError} `decision_not_allowed` when given a refusal; {GateError} when
   * the re-verification refuses (the token expired since `authorize`, another user's decision).
   */
  originHeaders(request: Request | RequestLike, decision: Allowed, facts?: OriginFacts): Headers;
  /**
   * A Request for `originBaseUrl` + the request's path and query: `originHeaders`, same
   * method and body, `redirect: "manual"`.
   * @throws {GateUsageError} `decision_not_allowed` when given a refusal, `invalid_origin_url`.
   */
  originRequest(request: Request | RequestLike, decision: Allowed, originBaseUrl: string | URL, facts?: OriginFacts): Request;
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
  /**
   * `verify` with the key set refreshed when stale, and refetched once on an unknown `kid`.
   * With a usable (if stale) set only the call that starts the refresh waits for it; the others
   * decide with the set in use (stale-while-revalidate).
   */
  verifyAsync(token: string): Promise<Claims>;
  /**
   * `authorize` with the key set refreshed when stale, and refetched once on an unknown `kid`.
   * Never rejects. A request outside the protected prefix never waits for a refresh; otherwise
   * as `verifyAsync`.
   */
  authorizeAsync(request: Request | RequestLike): Promise<Decision>;
}
