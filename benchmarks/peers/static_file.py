"""The ceiling: one file served by a bare WSGI callable under the same gunicorn settings as ``kgpub serve``.

The file has the size of the typical entity page, so ``kgpub / static`` says how far page rendering is from
what gunicorn itself can deliver for the same bytes. ``KGPUB_BENCH_FILE`` names the file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

PATH = os.environ["KGPUB_BENCH_FILE"]
SIZE = os.path.getsize(PATH)


def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
    """Stream the file as gunicorn serves static content (``wsgi.file_wrapper``: sendfile where it can)."""
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(SIZE))])
    return environ["wsgi.file_wrapper"](open(PATH, "rb"))
