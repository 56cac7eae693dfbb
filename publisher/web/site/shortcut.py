"""WSGI middleware that answers the plainest requests of one kind around Flask's request machinery.

A request context, URL matching, hooks and a response object cost about 0.2-0.4 ms of CPU per request:
more than the engine spends on a small query, or the file read of a page the build rendered. A
:class:`Shortcut` claims the requests it can answer exactly as the app would (same functions, same bytes,
same headers: each subclass's tests compare the two), pins the release for the answer like a view does
(``app_state.Releases``), and hands every other request to the app untouched. ``create_app`` chains them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from flask import Flask

if TYPE_CHECKING:
    from publisher.app_state import Publisher

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Claim = TypeVar("Claim")


class Shortcut(Generic[Claim]):
    """A WSGI app in front of ``following`` (the rest of the app's WSGI stack)."""

    def __init__(self, app: Flask, following: WsgiApp) -> None:
        self.app = app
        self.next = following

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        claim = self.claim(environ)
        if claim is None:
            return self.next(environ, start_response)
        releases = self.app.extensions["kgpub"]
        state = releases.pin()  # the release this request is answered from, to its end
        try:
            return self.answer(environ, start_response, state, claim)
        finally:
            releases.unpin(state)

    def claim(self, environ: dict[str, Any]) -> Claim | None:
        """What this shortcut needs to answer the request, read from the environ alone; None to pass it on."""
        raise NotImplementedError

    def answer(
        self, environ: dict[str, Any], start_response: Callable[..., Any], state: Publisher, claim: Claim
    ) -> Iterable[bytes]:
        """The answer from ``state``; ``self.next(environ, start_response)`` when it turns out not to be ours."""
        raise NotImplementedError
