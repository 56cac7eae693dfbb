"""Answering a query's client from another thread, when the query's own thread is still in the engine.

A streaming query runs on the request's thread (``store/embedded.py``); past its deadline the store's
watchdog calls the function made here, with the error to send (a 503). It renders that error exactly as
the app would (``site/errors.rendered``: the negotiated error body, CORS and caching headers), writes the
whole HTTP response on the client's connection and closes it for writing (``Connection: close``): the
request's thread never returns, and its worker is being replaced.

Only a server that hands the application its socket can be answered this way: gunicorn does
(``environ["gunicorn.socket"]``). Anywhere else :func:`overrun_answer` gives None, and the store runs every
query in a killable query process instead.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from flask import Flask, Response

from publisher.errors import PublisherError
from publisher.web.site.caching import http_now
from publisher.web.site.errors import rendered

SOCKET_KEY = "gunicorn.socket"


def overrun_answer(app: Flask, environ: dict[str, Any]) -> Callable[[PublisherError], None] | None:
    """A function that answers this request with an error from any thread, or None where none can."""
    client = environ.get(SOCKET_KEY)
    if not isinstance(client, socket.socket):
        return None

    def answer(error: PublisherError) -> None:
        raw = http_bytes(rendered(app, environ, error), environ)
        client.send(raw, socket.MSG_DONTWAIT)  # an error page fits the socket's buffer; never block here
        client.shutdown(socket.SHUT_WR)

    return answer


def http_bytes(response: Response, environ: dict[str, Any]) -> bytes:
    """The response as HTTP/1.1 bytes, closing the connection (its thread is not coming back to it)."""
    body = response.get_data()
    headers = [
        (name, value)
        for name, value in response.get_wsgi_headers(environ).items()
        if name.lower() not in ("content-length", "connection")
    ]
    headers += [("Content-Length", str(len(body))), ("Connection", "close"), ("Date", http_now())]
    head = f"HTTP/1.1 {response.status}\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers)
    return head.encode("latin-1") + b"\r\n" + body
