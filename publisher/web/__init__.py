"""The web layer: one blueprint per surface; views never import an engine or mutate the graph."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from flask import current_app

if TYPE_CHECKING:
    from publisher.app_state import Publisher


def publisher() -> Publisher:
    """The application's publisher state (settings, store, build manifest)."""
    return cast("Publisher", current_app.extensions["kgpub"])
