"""The ceiling: one file served by a bare WSGI callable under the same gunicorn settings as ``kgpub serve``.

``KGPUB_BENCH_FILE`` names the file, ``KGPUB_BENCH_TYPE`` its media type (HTML by default). With the
typical entity page's bytes, ``kgpub / static`` says how far page rendering is from what gunicorn itself can
deliver; with a SPARQL answer's, how far kgpub's answer cache is from it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

PATH = os.environ["KGPUB_BENCH_FILE"]
SIZE = os.path.getsize(PATH)
TYPE = os.environ.get("KGPUB_BENCH_TYPE", "text/html; charset=utf-8")


def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
    """Stream the file as gunicorn serves static content (``wsgi.file_wrapper``: sendfile where it can)."""
    start_response("200 OK", [("Content-Type", TYPE), ("Content-Length", str(SIZE))])
    return environ["wsgi.file_wrapper"](open(PATH, "rb"))
