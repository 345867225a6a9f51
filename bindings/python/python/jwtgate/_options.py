"""The `Gate` options, typed: `Gate(secret=..., **options)`, `BetterAuth(**options)` and
`GateMiddleware(app, **options)` all take these (type checkers catch a misspelt one).
Keep in step with the core's options table (src/options.rs, exported as
`jwtgate._jwtgate.CORE_OPTIONS`): a test compares the two."""
from typing import Any, Dict, Literal, Optional, Sequence, Tuple, TypedDict, Union

# The core's options an in-process gate does not take: it follows no remote key set
# (pass `jwks`, the key set itself).
NOT_IN_PYTHON: Tuple[str, ...] = ("jwks_url", "cache_max_age", "cooldown", "timeout")


class GateOptions(TypedDict, total=False):
    """Every `Gate` option besides `secret`: the npm package's options in snake_case."""

    previous_secrets: Optional[Union[Sequence[str], str]]
    issuer: Optional[str]
    audience: Optional[str]
    leeway_seconds: Optional[int]
    min_lifetime_seconds: Optional[int]
    max_lifetime_seconds: Optional[int]
    api_prefix: Optional[str]
    self_routes: Optional[Union[Sequence[str], str]]
    jwks: Optional[Union[str, bytes, Dict[str, Any]]]
    # "hs256": the app behind GateMiddleware gets the bridge token in Authorization.
    origin_token: Optional[Literal["forward", "hs256"]]
    # Validated as in every host, but a proxy's settings: in process, cookies and forwarding
    # headers are the server's (uvicorn --proxy-headers / --forwarded-allow-ips).
    trusted_proxies: Optional[int]
    cookie_prefix: Optional[str]
    strip_cookies: Optional[Union[Sequence[str], str]]
    forward_auth_cookies: Optional[bool]
    cache_size: Optional[int]
