"""Asking Better Auth about a session whose cookie cache cannot decide (session mode).

Only the HTTP is here: which cookies are valid, which cache is bound to which session,
whether an answer is about the cookie's session and whether it has ended are the core's
(``Gate.decide_asgi(..., refreshed=answer)``). This asks ``GET {base_url}/api/auth/get-session``
with the request's ``Cookie`` header only, with a timeout, no redirects, 200 only and a
bounded body; concurrent requests for one session share one pending ask (single flight per
event loop); the answer is remembered under the core's refresh key (a hash of the session
token, never the token) for at most the core's ``remember_seconds`` (Better Auth's own
``cookieCache.maxAge``). Better Auth unreachable → ``503 session_unavailable``, never a
pass-through. httpx (the ``jwtgate[remote]`` extra) is imported when a refresher is built.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any, Dict, List, Mapping, Optional, Tuple

from ._jwtgate import refusal
from .errors import GateConfigError, GateError

__all__ = ["SessionRefresher", "session_fields", "cookie_header"]

# Largest get-session answer read (a user with large fields, plus the session).
MAX_ANSWER_BYTES = 256 * 1024
# Most remembered answers (each keyed by a session; the oldest goes first when full).
MAX_REMEMBERED = 1024


def session_fields(scope: Mapping[str, Any]) -> Dict[str, List[bytes]]:
    """`Cookie`, `Origin` and `Referer` field lines of an ASGI scope, for `decide_asgi`."""
    wanted = {b"cookie": "cookie", b"origin": "origin", b"referer": "referer"}
    out: Dict[str, List[bytes]] = {"cookie": [], "origin": [], "referer": []}
    for name, value in scope.get("headers", ()):
        key = wanted.get(name.lower())
        if key is not None:
            out[key].append(value)
    return out


def cookie_header(lines: List[bytes]) -> str:
    """The `Cookie` field lines as one value (RFC 9113 §8.2.3: joined with ``"; "``)."""
    return "; ".join(line.decode("latin-1") for line in lines)


class SessionRefresher:
    """Asks Better Auth's get-session endpoint; see the module docs."""

    def __init__(self, url: str, timeout_ms: int = 5000) -> None:
        if not url.startswith(("http://", "https://")):
            raise GateConfigError("invalid_option", "get_session_url must be an http(s) URL")
        if not isinstance(timeout_ms, int) or isinstance(timeout_ms, bool) or timeout_ms < 0:
            raise GateConfigError("invalid_number", "get_session_timeout must be a whole number of ms")
        try:
            import httpx  # noqa: F401 (imported here: a missing extra fails at startup)
        except ImportError:
            raise GateConfigError(
                "missing_dependency", "asking Better Auth about sessions needs httpx: pip install 'jwtgate[remote]'"
            ) from None
        self.url = url
        self.timeout = timeout_ms / 1000
        self._client: Optional[Any] = None
        self._remembered: Dict[str, Tuple[float, str]] = {}
        self._pending: Dict[Tuple[int, str], "asyncio.Future[Tuple[str, List[str]]]"] = {}
        self.asked = 0

    async def answer(self, cookie: str, key: str, remember_seconds: int) -> Tuple[str, List[str]]:
        """Better Auth's answer for this session: (JSON text, its Set-Cookie lines). Raises
        `GateError` (503 ``session_unavailable``) when it cannot be asked."""
        now = time.monotonic()
        remembered = self._remembered.get(key)
        if remembered is not None and remembered[0] > now:
            return remembered[1], []
        loop = asyncio.get_running_loop()
        pending_key = (id(loop), key)
        pending = self._pending.get(pending_key)
        if pending is not None:
            body, _ = await asyncio.shield(pending)
            return body, []
        future: "asyncio.Future[Tuple[str, List[str]]]" = loop.create_future()
        self._pending[pending_key] = future
        try:
            result = await self._ask(cookie)
        except GateError as error:
            future.set_exception(error)
            future.exception()  # retrieved: no "never retrieved" warning when nobody waits
            raise
        finally:
            self._pending.pop(pending_key, None)
        future.set_result(result)
        if remember_seconds > 0:
            if len(self._remembered) >= MAX_REMEMBERED:
                # Expired first, else the one ending soonest.
                oldest = min(self._remembered, key=lambda k: self._remembered[k][0])
                self._remembered.pop(oldest, None)
            self._remembered[key] = (now + remember_seconds, result[0])
        return result

    async def _ask(self, cookie: str) -> Tuple[str, List[str]]:
        import httpx

        if self._client is None:
            self._client = httpx.AsyncClient(follow_redirects=False, timeout=self.timeout, trust_env=False)
        self.asked += 1
        try:
            # The timeout covers the whole ask: connect, headers and body.
            return await asyncio.wait_for(self._fetch(cookie), self.timeout)
        except GateError:
            raise
        except (httpx.HTTPError, OSError, asyncio.TimeoutError, UnicodeDecodeError):
            raise refusal("session_unavailable") from None

    async def _fetch(self, cookie: str) -> Tuple[str, List[str]]:
        assert self._client is not None
        headers = {"cookie": cookie, "accept": "application/json"}
        async with self._client.stream("GET", self.url, headers=headers) as response:
            if response.status_code != 200:
                raise refusal("session_unavailable")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body.extend(chunk)
                if len(body) > MAX_ANSWER_BYTES:
                    raise refusal("session_unavailable")
            return body.decode("utf-8"), response.headers.get_list("set-cookie")


def refresher_from(get_session_url: Optional[str], gate: Any, timeout_ms: int) -> Optional[SessionRefresher]:
    """The refresher a session-mode host uses: `get_session_url`, else $GET_SESSION_URL
    (the core's table names it), else the core's default for the gate (Better Auth's
    get-session endpoint under its ``base_url``); `None` when there is none (refusals then
    carry the cache's reason)."""
    import os

    from ._options import env_name

    url = get_session_url or os.environ.get(env_name("get_session_url")) or getattr(gate, "get_session_url", None)
    return SessionRefresher(url, timeout_ms) if url else None


async def decide_with_sessions(
    gate: Any, refresher: Optional[SessionRefresher], scope: Mapping[str, Any], require_token: bool
) -> Tuple[Any, Any, List[str]]:
    """`gate.decide_asgi` with the scope's cookies: (claims, plan, Set-Cookie lines from
    Better Auth). When the cookie cache cannot decide and a refresher is there, Better
    Auth's answer decides (through the core); otherwise the refusal is raised."""
    from ._http import asgi_request

    args = asgi_request(scope)
    fields: Dict[str, Any] = dict(session_fields(scope))
    # A gate following a key set URL (the `jwks` strategy): its decisions wait for a due
    # fetch without blocking the event loop.
    decide_async = getattr(gate, "decide_asgi_async", None)

    async def decide(**extra: Any) -> Tuple[Any, Any]:
        if decide_async is not None:
            return await decide_async(*args, require_token=require_token, **fields, **extra)  # type: ignore[no-any-return]
        return gate.decide_asgi(*args, require_token=require_token, **fields, **extra)  # type: ignore[no-any-return]

    try:
        claims, plan = await decide()
        return claims, plan, []
    except GateError as error:
        if error.refresh_key is None or refresher is None:
            raise
        key, seconds = error.refresh_key, error.remember_seconds
    body, set_cookies = await refresher.answer(cookie_header(fields["cookie"]), key, seconds)
    claims, plan = await decide(refreshed=body)
    return claims, plan, set_cookies
