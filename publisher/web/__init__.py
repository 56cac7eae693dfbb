"""The web layer: one blueprint per surface; views never import an engine or mutate the graph."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from flask import current_app, g

if TYPE_CHECKING:
    from publisher.app_state import Publisher, Releases

PINNED = "kgpub_publisher"  # flask.g: the Publisher (release) this request started on


def publisher() -> Publisher:
    """This request's publisher state (settings, store, build manifest): the release it started on, pinned
    on first use and kept to its end, whatever is built meanwhile (``app_state.Releases``)."""
    pinned = g.get(PINNED)
    if pinned is None:
        pinned = releases().pin()
        setattr(g, PINNED, pinned)
    return cast("Publisher", pinned)


def unpin(error: BaseException | None = None) -> None:
    """Hand the request's Publisher back as its app context ends (``create_app`` registers this)."""
    pinned = g.pop(PINNED, None)
    if pinned is not None:
        releases().unpin(pinned)


def releases() -> Releases:
    return cast("Releases", current_app.extensions["kgpub"])
