"""The `Gate` options, typed: `Gate(secret=..., **options)`, `BetterAuth(**options)` and
`GateMiddleware(app, **options)` all take these (type checkers catch a misspelt one).
Keep in step with the OPTIONS table of src/lib.rs: a test compares the two."""
from typing import Any, Dict, Optional, Sequence, TypedDict, Union


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
    cache_size: Optional[int]
