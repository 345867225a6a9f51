"""A gate whose key set follows a URL (Better Auth's ``/api/auth/jwks``): `Gate.from_jwks_url`.

Only the HTTP is here. When to fetch is the core's refresh policy (`RemoteKeys`: fresh for
the response's ``Cache-Control`` or ``cache_max_age``, an unknown ``kid`` refetches at most
once per ``cooldown``, failures retried at most once per ``cooldown``), what a valid set is
the core's key-set parser, and the answer while no set is usable the core's
(``503 jwks_unavailable`` under the prefix). The HTTP client is httpx (the ``jwtgate[remote]``
extra), imported on the first fetch, never by ``import jwtgate``.

Two ways to wait, never both on one thread:
- ``async`` methods (``await gate.decide_asgi_async(...)``, ``verify_async``, ``refresh``)
  fetch with ``httpx.AsyncClient``: the event loop keeps running during a fetch, and
  concurrent requests share one fetch (single flight per event loop).
- the plain methods (``verify``, ``authorize``, ``decide_asgi``) never block a running event
  loop: there they decide with the set in use and start a due refresh in the background. On
  a thread without an event loop (a sync app, a thread pool) they fetch with ``httpx.Client``
  when the policy says so, one thread at a time.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Literal, Optional, Set, Tuple, TypeVar

from ._jwtgate import Gate, RemoteKeys, refusal
from .errors import GateConfigError, GateError

if TYPE_CHECKING:
    import ssl

    from typing_extensions import Unpack

    from ._options import RemoteOptions

__all__ = ["RemoteGate", "from_jwks_url", "from_jwks_url_sync"]

log = logging.getLogger("jwtgate")
T = TypeVar("T")
# Why a fetch is asked for: a missing or stale set ("due"), or a token's unknown kid.
_Reason = Literal["due", "unknown_kid"]
_Plan = Tuple[Tuple[bytes, ...], Tuple[Tuple[bytes, bytes], ...]]


class JwksFetchError(Exception):
    """A fetch that gave no key set (status other than 200, too large). Never holds the URL
    or the body: either may carry credentials."""


def _httpx() -> Any:
    try:
        import httpx
    except ImportError:
        raise GateConfigError(
            "missing_dependency",
            "a key set URL needs httpx: pip install 'jwtgate[remote]'",
        ) from None
    return httpx


def _check_url(url: object) -> str:
    if not isinstance(url, str) or not url.lower().startswith(("http://", "https://")):
        raise GateConfigError("invalid_option", "jwks_url must be an http(s) URL")
    return url


class RemoteGate:
    """A gate following the key set at ``url``; built by `Gate.from_jwks_url` (fetched once
    before it returns) or, unfetched, by ``BetterAuth(jwks_url=...)`` /
    ``GateMiddleware(jwks_url=...)`` (fetched at startup or by the first protected request).
    Options: every `Gate` option but ``jwks``, plus ``cache_max_age``, ``cooldown`` and
    ``timeout`` (milliseconds, as in every jwtgate host)."""

    def __init__(self, url: str, *, secret: Optional[str] = None, **options: Unpack[RemoteOptions]) -> None:
        self.url = _check_url(url)
        self._keys = RemoteKeys(secret=secret, **options)
        _httpx()  # at startup, not on the first request: a missing extra is a config error
        self._gate: Optional[Gate] = None
        self._generation = 0
        # Single flight: per event loop (a task every waiter shields), and across threads.
        self._flight: Optional[Tuple[asyncio.AbstractEventLoop, asyncio.Task[bool]]] = None
        self._thread_lock = threading.Lock()
        self._background: Set[asyncio.Task[bool]] = set()
        self._ssl: Optional[ssl.SSLContext] = None

    # -- state ------------------------------------------------------------------------

    @property
    def gate(self) -> Optional[Gate]:
        """The gate of the key set in use (``None`` until a fetch succeeded)."""
        return self._gate

    @property
    def has_keys(self) -> bool:
        return self._gate is not None

    @property
    def api_prefix(self) -> str:
        return self._keys.api_prefix

    @property
    def session_cookie_name(self) -> Optional[str]:
        """Session mode: the session cookie's name (known before any key set arrives)."""
        return self._keys.session_cookie_name

    @property
    def get_session_url(self) -> Optional[str]:
        """Session mode: the core's default get-session URL (under ``base_url``)."""
        return self._keys.get_session_url

    @property
    def cache_size(self) -> int:
        return 0 if self._gate is None else self._gate.cache_size

    def protects(self, path: str) -> bool:
        """True when the raw path is under the prefix (or ambiguous): it needs a token."""
        return self._keys.protects(path)

    def __repr__(self) -> str:
        return f"RemoteGate(api_prefix={self.api_prefix!r}, has_keys={self.has_keys})"

    # -- fetching ---------------------------------------------------------------------

    def _verify(self) -> Any:
        """httpx's ``verify``: no TLS on http:// (a context without certificates costs
        nothing to make); one default context per gate for https://."""
        if not self.url.lower().startswith("https://"):
            return False
        if self._ssl is None:
            self._ssl = _httpx().create_ssl_context()
        return self._ssl

    def _install(self, body: bytes, cache_control: Optional[str]) -> bool:
        try:
            gate = self._keys.build(body)
        except GateConfigError as error:
            # The core's code only: the set itself is not logged.
            log.warning("jwtgate: the fetched key set was refused (%s); the last good set stays", error.code)
            return False
        self._gate = gate
        self._generation += 1
        self._keys.succeeded(cache_control)
        return True

    @staticmethod
    def _failed(error: BaseException) -> bool:
        log.warning("jwtgate: key set fetch failed (%s); the last good set stays", type(error).__name__)
        return False

    async def _get_async(self) -> Tuple[bytes, Optional[str]]:
        httpx = _httpx()
        cap = self._keys.max_bytes
        timeout = self._keys.timeout_ms / 1000
        async with httpx.AsyncClient(follow_redirects=False, timeout=timeout, verify=self._verify()) as client:
            async with client.stream("GET", self.url, headers={"accept": "application/json"}) as response:
                return _read(response, await _collect_async(response, cap))

    def _get_sync(self) -> Tuple[bytes, Optional[str]]:
        httpx = _httpx()
        cap = self._keys.max_bytes
        timeout = self._keys.timeout_ms / 1000
        deadline = time.monotonic() + timeout
        with httpx.Client(follow_redirects=False, timeout=timeout, verify=self._verify()) as client:
            with client.stream("GET", self.url, headers={"accept": "application/json"}) as response:
                _check_head(response, cap)
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > cap:
                        raise JwksFetchError("key set larger than the cap")
                    if time.monotonic() > deadline:
                        raise TimeoutError("key set fetch took longer than the timeout")
                return _read(response, bytes(body))

    async def _fetch_async(self) -> bool:
        try:
            # The whole fetch (connect, headers, body) within the timeout.
            body, cache_control = await asyncio.wait_for(self._get_async(), self._keys.timeout_ms / 1000)
        except (OSError, asyncio.TimeoutError, JwksFetchError, _httpx().HTTPError) as error:
            return self._failed(error)
        return self._install(body, cache_control)

    def _fetch_sync(self) -> bool:
        try:
            body, cache_control = self._get_sync()
        except (OSError, TimeoutError, JwksFetchError, _httpx().HTTPError) as error:
            return self._failed(error)
        return self._install(body, cache_control)

    def _running_flight(self) -> Optional[asyncio.Task[bool]]:
        flight = self._flight
        if flight is None or flight[1].done():
            return None
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None
        return flight[1] if flight[0] is loop else None

    async def refresh(self, reason: _Reason = "due") -> bool:
        """Fetches the key set now if the refresh policy allows it (``reason``: ``"due"``
        for a missing or stale set, ``"unknown_kid"`` after an unknown key). ``True`` when
        a new set is in use; a failure keeps the last good set. One fetch at a time per
        event loop: a caller arriving during a fetch waits for that one."""
        flight = self._running_flight()
        if flight is None:
            if self._keys.begin(reason) is None:
                return False
            loop = asyncio.get_running_loop()
            flight = loop.create_task(self._fetch_async())
            self._flight = (loop, flight)
        # A cancelled request (client gone) does not cancel the fetch others wait for.
        return await asyncio.shield(flight)

    def refresh_sync(self, reason: _Reason = "due") -> bool:
        """`refresh` for a thread without an event loop (blocks this thread, never a loop's:
        called on a thread running an event loop it raises `RuntimeError`). One fetch at a
        time across threads; a thread arriving during a fetch waits for that one."""
        _no_running_loop("refresh_sync")
        generation = self._generation
        if not self._thread_lock.acquire(blocking=False):
            with self._thread_lock:
                return self._generation != generation
        try:
            if self._keys.begin(reason) is None:
                return False
            return self._fetch_sync()
        finally:
            self._thread_lock.release()

    def _kick(self, reason: _Reason) -> None:
        """From a plain method: a fetch the policy wants, without waiting for it — in the
        background on a running event loop, else right here (no loop to block)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            due = reason == "unknown_kid" or self._keys.due() is not None
            if due:
                self.refresh_sync(reason)
            return
        if self._running_flight() is not None:
            return
        if reason == "due" and self._keys.due() is None:
            return
        task = loop.create_task(self.refresh(reason))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _keys_for_request(self) -> None:
        """Before a decision that needs a key (stale-while-revalidate): without a set every
        request waits for the fetch; with one only the request that starts a due refresh
        waits, the others decide with the set in use."""
        flight = self._running_flight()
        if flight is not None:
            if self._gate is None:
                await asyncio.shield(flight)
            return
        if self._keys.due() is not None:
            await self.refresh("due")

    # -- decisions (async) ----------------------------------------------------------

    def _passes(self, args: Tuple[str, str, str, str, List[bytes]]) -> Optional[Tuple[None, _Plan]]:
        """The core's answer for a request outside the prefix, which needs no key (``None``:
        the request needs a token, or is refused whatever the keys)."""
        try:
            return self._keys.awaiting_asgi(*args, False)
        except GateError:
            return None

    async def _decided(self, decide: Callable[[Gate], T]) -> T:
        gate = self._gate
        if gate is None:
            raise refusal("jwks_unavailable")
        try:
            return decide(gate)
        except GateError as error:
            if error.code == "unknown_key" and await self.refresh("unknown_kid"):
                return decide(self._gate or gate)
            raise

    async def verify_async(self, token: str, now: Optional[float] = None) -> Dict[str, Any]:
        """`Gate.verify` after the refresh rules; ``503 jwks_unavailable`` without a set."""
        await self._keys_for_request()
        return await self._decided(lambda gate: gate.verify(token, now))

    async def authorize_async(
        self, method: str, path: str, authorization: Optional[str] = None, now: Optional[float] = None
    ) -> Dict[str, Any]:
        """`Gate.authorize` after the refresh rules."""
        await self._keys_for_request()
        return await self._decided(lambda gate: gate.authorize(method, path, authorization, now))

    async def decide_asgi_async(
        self,
        method: str,
        target: str,
        root_path: str,
        path: str,
        authorization: List[bytes],
        now: Optional[float] = None,
        require_token: bool = False,
        **session: Any,
    ) -> Tuple[Optional[Dict[str, Any]], _Plan]:
        """`Gate.decide_asgi` after the refresh rules. A request outside the prefix never
        waits for a fetch; without a usable set the core's answer (pass, or ``503``).
        `session`: `Gate.decide_asgi`'s session mode fields (``cookie``, ``origin``,
        ``referer``, ``refreshed``), passed through."""
        args = (method, target, root_path, path, authorization)
        gate = self._gate
        passed = None if require_token else self._passes(args)
        if passed is not None:
            # Outside the prefix (the core's routing): no key needed, never a wait.
            return passed if gate is None else gate.decide_asgi(*args, now, require_token, **session)
        await self._keys_for_request()
        if self._gate is None:
            return self._keys.awaiting_asgi(*args, require_token)
        return await self._decided(
            lambda gate: gate.decide_asgi(method, target, root_path, path, authorization, now, require_token, **session)
        )

    # -- decisions (plain) ----------------------------------------------------------

    def _now_decided(self, decide: Callable[[Gate], T]) -> T:
        self._kick("due")
        gate = self._gate
        if gate is None:
            raise refusal("jwks_unavailable")
        try:
            return decide(gate)
        except GateError as error:
            if error.code != "unknown_key":
                raise
            generation = self._generation
            self._kick("unknown_kid")
            if self._generation == generation or self._gate is None:
                raise
            return decide(self._gate)

    def verify(self, token: str, now: Optional[float] = None) -> Dict[str, Any]:
        """`Gate.verify` with the set in use (see the module's doc for when it fetches)."""
        return self._now_decided(lambda gate: gate.verify(token, now))

    def authorize(
        self, method: str, path: str, authorization: Optional[str] = None, now: Optional[float] = None
    ) -> Dict[str, Any]:
        return self._now_decided(lambda gate: gate.authorize(method, path, authorization, now))

    def decide_asgi(
        self,
        method: str,
        target: str,
        root_path: str,
        path: str,
        authorization: List[bytes],
        now: Optional[float] = None,
        require_token: bool = False,
        **session: Any,
    ) -> Tuple[Optional[Dict[str, Any]], _Plan]:
        args = (method, target, root_path, path, authorization)
        if self._gate is None and not require_token:
            passed = self._passes(args)
            if passed is not None:
                return passed
        try:
            return self._now_decided(
                lambda gate: gate.decide_asgi(method, target, root_path, path, authorization, now, require_token, **session)
            )
        except GateError as error:
            if error.code == "jwks_unavailable":
                return self._keys.awaiting_asgi(method, target, root_path, path, authorization, require_token)
            raise


def _no_running_loop(what: str) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError(f"{what} would block the running event loop: await the async method instead")


def _check_head(response: Any, cap: int) -> None:
    if response.status_code != 200:
        raise JwksFetchError(f"key set fetch answered {response.status_code}")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise JwksFetchError("key set larger than the cap")


async def _collect_async(response: Any, cap: int) -> bytes:
    _check_head(response, cap)
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > cap:
            raise JwksFetchError("key set larger than the cap")
    return bytes(body)


def _read(response: Any, body: bytes) -> Tuple[bytes, Optional[str]]:
    cache_control: Optional[str] = response.headers.get("cache-control")
    return body, cache_control


_UNAVAILABLE = "the key set could not be fetched (network, timeout, status other than 200, too large, or refused)"


async def from_jwks_url(url: str, *, secret: Optional[str] = None, **options: Unpack[RemoteOptions]) -> RemoteGate:
    """``await Gate.from_jwks_url(url, issuer=..., audience=...)``: a gate whose key set
    follows ``url``, fetched once before it returns (``GateConfigError("jwks_unavailable")``
    when that fails; a bad option fails before any fetch)."""
    gate = RemoteGate(url, secret=secret, **options)
    if not await gate.refresh("due"):
        raise GateConfigError("jwks_unavailable", _UNAVAILABLE)
    return gate


def from_jwks_url_sync(url: str, *, secret: Optional[str] = None, **options: Unpack[RemoteOptions]) -> RemoteGate:
    """``Gate.from_jwks_url_sync(...)``: `from_jwks_url` for code without an event loop
    (blocks the calling thread for the first fetch)."""
    gate = RemoteGate(url, secret=secret, **options)
    if not gate.refresh_sync("due"):
        raise GateConfigError("jwks_unavailable", _UNAVAILABLE)
    return gate
