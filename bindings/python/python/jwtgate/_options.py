"""The `Gate` options, typed: `Gate(secret=..., **options)`, `BetterAuth(**options)` and
`GateMiddleware(app, **options)` all take these (type checkers catch a misspelt one).
Keep in step with the core's options table (src/options.rs, exported as
`jwtgate._jwtgate.CORE_OPTIONS`): a test compares the two."""
from typing import Any, Dict, Literal, Optional, Sequence, Tuple, TypedDict, Union

from ._jwtgate import CORE_OPTIONS, CORE_OPTIONS_ENV

_ENV_NAMES = dict(zip(CORE_OPTIONS, CORE_OPTIONS_ENV))


def env_name(option: str) -> str:
    """The environment variable an entry point reads for a core option it was not given
    (its Python name → the core's table: ``"base_url"`` → ``"BETTER_AUTH_URL"``), the same
    names the worker and the CLI read."""
    return _ENV_NAMES[option]

# The core's options no Python entry point takes: none. (`jwks_url` is the first argument
# of `Gate.from_jwks_url` and the `jwks_url=` keyword of BetterAuth / GateMiddleware;
# `cache_max_age`, `cooldown`, `timeout` are RemoteOptions; `get_session_url` is a keyword
# of BetterAuthSession / GateMiddleware.)
NOT_IN_PYTHON: Tuple[str, ...] = ()


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
    # "hs256" (the bridge): the app behind GateMiddleware / BetterAuth gets, in
    # Authorization, an HS256 token in the spec's shape signed with `secret`.
    origin_token: Optional[Literal["forward", "hs256"]]
    # Validated as in every host, but a proxy's settings: in process, cookies and forwarding
    # headers are the server's (uvicorn --proxy-headers / --forwarded-allow-ips).
    trusted_proxies: Optional[int]
    cookie_prefix: Optional[str]
    strip_cookies: Optional[Union[Sequence[str], str]]
    forward_auth_cookies: Optional[bool]
    # Session mode (Better Auth's session cookies): on with a strategy; see
    # jwtgate.fastapi.BetterAuthSession.
    session_strategy: Optional[Literal["compact", "jwt", "jwe", "jwks", "off"]]
    base_url: Optional[str]
    trusted_origins: Optional[Union[Sequence[str], str]]
    secure_cookies: Optional[bool]
    cache_version: Optional[str]
    session_max_age: Optional[int]
    cache_size: Optional[int]


class RemoteOptions(GateOptions, total=False):
    """`Gate.from_jwks_url(url, **options)`: the `Gate` options (``jwks`` excluded: the keys
    come from the URL) plus the refresh knobs, in milliseconds as in every jwtgate host."""

    # A fetched set is fresh this long unless its Cache-Control says otherwise (600000).
    cache_max_age: Optional[int]
    # Least time between two fetches: unknown kids, failures (30000).
    cooldown: Optional[int]
    # One fetch's limit: connect, headers and body (5000).
    timeout: Optional[int]
