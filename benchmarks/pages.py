"""The pages' area: entity pages (memoised and first renders), VoID and a dump on kgpub, against the typical
page's bytes served as a static file.

"First render" loads use ``first_render.lua`` (a never-used query string per request): repeating one URL
would measure kgpub's per-build memo of finished documents after the first request.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks import servers
from benchmarks.common import GUNICORN, PYTHON, WORKERS
from benchmarks.targets import Area, Check, Peer, Size, Target, kgpub, versus

TYPICAL, HUB = "typical entity page", "hub entity page"
TYPICAL_FIRST, HUB_FIRST = f"{TYPICAL}, first render", f"{HUB}, first render"
FIRST_RENDER = Path(__file__).with_name("first_render.lua")
HTML = {"Accept": "text/html"}
STATIC = "static"


def kgpub_targets(size: Size) -> tuple[Target, ...]:
    typical, hub = f"/doc/{size.meta['typical']}.html", f"/doc/{size.meta['hub']}.html"
    return (
        Target(TYPICAL, typical, HTML, versus=(STATIC,)),
        Target(TYPICAL_FIRST, typical, HTML, FIRST_RENDER),
        Target(HUB, hub, HTML),
        Target(HUB_FIRST, hub, HTML, FIRST_RENDER),
        Target("VoID", "/.well-known/void", {"Accept": "text/turtle"}),
        Target("dump", "/dumps/kgpub.nt.gz"),
    )


def peers(size: Size) -> list[Peer]:
    page = size.work / "typical-page.html"
    if not page.exists():
        page.write_bytes(servers.fetch_from_kgpub(size, f"/doc/{size.meta['typical']}.html", HTML))
    return [
        Peer(
            STATIC,
            lambda port: [PYTHON, "-m", "gunicorn", *GUNICORN, "-b", f"127.0.0.1:{port}",
                          "benchmarks.peers.static_file:app"],
            "/",
            (Target(TYPICAL, "/"),),
            {"KGPUB_BENCH_FILE": str(page)},
            workers=WORKERS,
        )
    ]  # fmt: skip


AREA = Area(
    kgpub_targets,
    peers,
    (
        Check("typical entity page ≥ 0.5× static file rps", "1M", versus(STATIC, TYPICAL), "{:.2f}×", 0.5),
        Check("typical entity page p50 < 2 ms", "1M", kgpub(TYPICAL, "p50_ms"), "{:.1f} ms", below=2),
        Check("typical entity page p50 < 2 ms, first render", "1M", kgpub(TYPICAL_FIRST, "p50_ms"),
              "{:.1f} ms", below=2),
        Check("typical entity page ≥ 0.5× static file rps, first render", "1M",
              versus(STATIC, TYPICAL_FIRST, TYPICAL), "{:.2f}×", 0.5),
        Check("hub entity page p50 < 30 ms", "1M", kgpub(HUB, "p50_ms"), "{:.1f} ms", below=30),
        Check("hub entity page p50 < 30 ms, first render", "1M", kgpub(HUB_FIRST, "p50_ms"), "{:.1f} ms",
              below=30),
    ),
)  # fmt: skip
