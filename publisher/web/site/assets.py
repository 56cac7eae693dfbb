"""``/static/<file>`` (and ``/favicon.ico``, where browsers look for it): each surface keeps its static files
in a ``static/`` folder beside its views (the stylesheet and icons in ``site/``, the query page's script and
vendored editor in ``sparql/``); one route serves them all at the URLs they always had, trying the folders
in order.

Files are found with ``safe_join`` (no ``..``, no absolute paths) and sent by ``send_from_directory``, so
``Range``, ``ETag`` and conditionals work as for any Flask static file; ``caching.py`` sets the lifetime.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from flask import Flask, Response, abort, current_app, send_from_directory
from werkzeug.security import safe_join

WEB = Path(__file__).resolve().parents[1]
STATIC_FOLDERS: tuple[Path, ...] = (WEB / "site" / "static", WEB / "sparql" / "static")
FOLDERS_KEY = "kgpub.static"


def register(app: Flask, folders: Sequence[Path] = STATIC_FOLDERS) -> None:
    """Serve ``folders`` at ``/static/`` (endpoint ``static``, so ``url_for("static", ...)`` works)."""
    app.extensions[FOLDERS_KEY] = tuple(folders)
    app.add_url_rule("/static/<path:filename>", endpoint="static", view_func=static_file)
    app.add_url_rule("/favicon.ico", endpoint="favicon", view_func=lambda: static_file("favicon.ico"))


def static_folders() -> tuple[Path, ...]:
    """Where this app's static files are looked for, in order."""
    return current_app.extensions[FOLDERS_KEY]  # type: ignore[no-any-return]


def static_file(filename: str) -> Response:
    for folder in static_folders():
        path = safe_join(str(folder), filename)
        if path is not None and os.path.isfile(path):
            return send_from_directory(folder, filename, max_age=current_app.get_send_file_max_age(filename))
    abort(404)
