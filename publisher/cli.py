"""The ``kgpub`` command: validate, build, query and serve a project.

The only place where ``PublisherError`` becomes an exit code: 0 ok, 2 data/syntax error, 3 validation
failed, 4 no build, 1 anything else (usage errors included, so 2 always means "fix a data file").
A data error prints ``file:line: cause`` alone on its line, the form editors and CI annotate.
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from publisher.errors import DataError, PublisherError
from publisher.formats import CLI_FORMATS, JSON_RESULTS, TURTLE
from publisher.settings import Settings
from publisher.store import UserQuery

if TYPE_CHECKING:
    from publisher.pipeline.publish import Build


class PublisherFailure(click.ClickException):
    """A ``PublisherError`` carried to click with its exit code."""

    def __init__(self, error: PublisherError) -> None:
        super().__init__(str(error))
        self.error = error
        self.exit_code = error.exit_code  # type: ignore[misc]  # click declares it a ClassVar; set per error

    def show(self, file: Any = None) -> None:
        text = str(self.error) if isinstance(self.error, DataError) else f"Error: {self.format_message()}"
        click.echo(text, err=True)


class KgpubGroup(click.Group):
    """Converts errors once, for every subcommand."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as err:
            err.exit_code = 1  # type: ignore[misc]  # 2 is kgpub's "fix a data file" (module docstring)
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as err:
            err.exit_code = 1  # type: ignore[misc]  # 2 is kgpub's "fix a data file" (module docstring)
            raise
        except PublisherError as err:
            raise PublisherFailure(err) from err


@click.group(cls=KgpubGroup)
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder holding ontology/, data/ and shapes/ (default: current folder).",
)
@click.option(
    "--namespace", help="Base IRI for the data files' relative IRIs (default: https://kgpub.example.org/)."
)
@click.option(
    "--build-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where builds are published (default: <project-dir>/build).",
)
@click.pass_context
def cli(ctx: click.Context, project_dir: Path | None, namespace: str | None, build_dir: Path | None) -> None:
    """kgpub: publish the university-news knowledge graph as linked data."""
    ctx.obj = {"project_dir": project_dir, "namespace": namespace, "build_dir": build_dir}


def settings_of(ctx: click.Context, **overrides: Any) -> Settings:
    """Settings from defaults, kgpub.toml, KGPUB_* and the global options (read lazily, so --help works)."""
    try:
        return Settings.load(**{**ctx.find_root().obj, **overrides})
    except (ValueError, OSError) as err:
        raise click.ClickException(f"bad configuration: {err}") from err


def say(message: str) -> None:
    click.echo(message, err=True)


@cli.command()
@click.pass_context
def validate(ctx: click.Context) -> None:
    """Parse and SHACL-validate the sources; print the report. Exit 0 if valid, 2 on a syntax error, 3 on violations."""
    from publisher.pipeline.load import load
    from publisher.pipeline.validate import validate as run_validation

    report = run_validation(load(settings_of(ctx), say))
    click.echo(report.text(), nl=False)
    ctx.exit(0 if report.conforms else 3)


@cli.command()
@click.option(
    "--full",
    is_flag=True,
    help="Rebuild everything, even when only data files changed since the current release.",
)
@click.option(
    "--pages/--no-pages",
    default=True,
    show_default=True,
    help="Render the pages of the things readers look for into the release, so serving one is a file read.",
)
@click.pass_context
def build(ctx: click.Context, full: bool, pages: bool) -> None:
    """Validate, then publish a new release and point build/current at it (progress on stderr).

    When only data files changed since the current release, the build is incremental: it re-parses the
    changed graphs, validates what the change can reach, and patches a copy of the release. Then the pages
    of the things readers look for are rendered into the release (only those the change reaches, when the
    previous release has pages), so serving one is a file read; the release is served meanwhile.
    """
    result = build_release(settings_of(ctx), full=full, pages=pages)
    click.echo(f"{result.path}\t{result.manifest.triples} triples")


def build_release(settings: Settings, full: bool = False, pages: bool = True) -> Build:
    """``kgpub build``: publish a release, work out its overview, then render its pages from the previous
    release's."""
    from publisher.pipeline.publish import build as run_build
    from publisher.pipeline.publish import current_release
    from publisher.prerender import prerender, summarise

    previous = current_release(settings.builds_root)
    result = run_build(settings, progress=say, full=full)
    summarise(settings, result.path, say)
    if pages:
        prerender(settings, result.path, previous, say)
    return result


@cli.command()
@click.argument("query")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", *CLI_FORMATS]),
    default="table",
    show_default=True,
    help="Output format; 'table' prints SELECT/ASK as text (Turtle for CONSTRUCT/DESCRIBE).",
)
@click.option(
    "--timeout",
    type=float,
    help="Seconds before the query is stopped (default: the query_timeout_s setting).",
)
@click.pass_context
def query(ctx: click.Context, query: str, fmt: str, timeout: float | None) -> None:
    """Run a SPARQL query (text, or a path to a .rq file) on the current build.

    Relative IRIs resolve against the namespace, as on the endpoint; the same policy applies (no updates,
    no SERVICE).
    """
    from publisher.sparql_text import query_form
    from publisher.store.embedded import EmbeddedStore

    text = read_query(query)
    form = query_form(text) or "SELECT"
    if fmt == "table" and form in ("CONSTRUCT", "DESCRIBE"):
        fmt = TURTLE.cli_name or ""
    media_type = JSON_RESULTS.media_type if fmt == "table" else CLI_FORMATS[fmt].media_type
    store = EmbeddedStore(settings_of(ctx, query_timeout_s=timeout))
    try:
        result = store.run_user_query(UserQuery(text, media_type))
    finally:
        store.close()
    if fmt == "table":
        click.echo(render_table(json.loads(result.body)))
    else:
        click.echo(result.body.decode("utf-8"), nl=not result.body.endswith(b"\n"))
    if result.truncated:
        say(f"(truncated: only the first {store.settings.max_result_rows} results are shown)")


def read_query(argument: str) -> str:
    """The query text: the argument itself, or the contents of the file it names ('-' for stdin)."""
    if argument == "-":
        return sys.stdin.read()
    path = Path(argument)
    if argument.endswith(".rq") or (len(argument) < 1024 and "\n" not in argument and path.is_file()):
        try:
            return path.read_text(encoding="utf-8")
        except OSError as err:
            raise click.ClickException(f"cannot read {argument}: {err.strerror}") from err
    return argument


def render_table(results: dict[str, Any]) -> str:
    """SPARQL JSON results as an aligned text table (``true``/``false`` for ASK)."""
    if "boolean" in results:
        return "true" if results["boolean"] else "false"
    names = results["head"]["vars"]
    rows = [[cell(binding.get(name)) for name in names] for binding in results["results"]["bindings"]]
    widths = [max([len(name) + 1, *(len(row[i]) for row in rows)]) for i, name in enumerate(names)]
    lines = ["  ".join(f"?{name}".ljust(w) for name, w in zip(names, widths, strict=False)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend(
        "  ".join(value.ljust(w) for value, w in zip(row, widths, strict=False)).rstrip() for row in rows
    )
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


def cell(term: dict[str, str] | None) -> str:
    if term is None:
        return ""
    if term["type"] == "uri":
        return f"<{term['value']}>"
    if term["type"] == "bnode":
        return f"_:{term['value']}"
    if "xml:lang" in term:
        return f'"{term["value"]}"@{term["xml:lang"]}'
    datatype = term.get("datatype", "")
    if datatype and not datatype.startswith("http://www.w3.org/2001/XMLSchema#"):
        return f'"{term["value"]}"^^<{datatype}>'
    return term["value"]


@cli.command()
@click.option(
    "--to",
    "gsp_url",
    metavar="URL",
    help="The store's Graph Store Protocol URL, e.g. http://host:7878/store (default: the store_update_url setting).",
)
@click.option(
    "--query-url",
    metavar="URL",
    help="The same store's SPARQL query endpoint, to list the graphs it holds (default: the store_url setting).",
)
@click.option(
    "--force", is_flag=True, help="Send every graph, even those unchanged since the last publish to URL."
)
@click.pass_context
def publish(ctx: click.Context, gsp_url: str | None, query_url: str | None, force: bool) -> None:
    """Load the current build into a remote store: PUT each graph, then delete graphs the build no longer has."""
    from publisher.pipeline.deploy import publish_to
    from publisher.store.gsp import GraphStore
    from publisher.store.remote import RemoteStore

    settings = settings_of(ctx, store_update_url=gsp_url, store_url=query_url)
    if not settings.store_update_url or not settings.store_url:
        raise click.UsageError("give --to (or KGPUB_STORE_UPDATE_URL) and --query-url (or KGPUB_STORE_URL)")
    done = publish_to(settings, GraphStore(settings.store_update_url), RemoteStore(settings), say, force)
    click.echo(done.summary())


@cli.command()
@click.option(
    "--store",
    "store_url",
    metavar="URL",
    help=(
        "Serve from this remote SPARQL 1.1 query endpoint instead of the embedded store "
        "(default: the store_url setting)."
    ),
)
@click.option(
    "--host",
    default=None,
    help="Interface to bind (default 127.0.0.1; 0.0.0.0 exposes the server to the network).",
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=None, help="Port (default 8080; 0 picks a free one)."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes (default: the workers setting).",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Threads per worker (1 = sync workers).",
)
@click.option(
    "--build-if-missing/--no-build",
    default=True,
    show_default=True,
    help="Build first when no current build exists.",
)
@click.option(
    "--get",
    "get_path",
    metavar="PATH",
    help="Request PATH in-process, print the response body, exit (0 if status < 400).",
)
@click.pass_context
def serve(
    ctx: click.Context,
    store_url: str | None,
    host: str | None,
    port: int | None,
    workers: int | None,
    threads: int,
    build_if_missing: bool,
    get_path: str | None,
) -> None:
    """Serve the published build with gunicorn (pages, SPARQL endpoint, dumps).

    With --store, queries go to the remote store; dumps, ontology.ttl and shapes.ttl still come from the
    local build if there is one (never built for a remote store).
    """
    settings = settings_of(ctx, host=host, port=port, workers=workers, store_url=store_url)
    if (
        build_if_missing
        and not settings.store_url
        and not (settings.current_build / "manifest.json").is_file()
    ):
        say(f"no build at {settings.current_build}: building first")
        build_release(settings)
    if get_path:
        ctx.exit(get_in_process(settings, get_path))
    run_gunicorn(settings, threads=threads)


def get_in_process(settings: Settings, path: str) -> int:
    from publisher import create_app

    response = create_app(settings).test_client().get(path)
    click.echo(response.get_data(as_text=True), nl=False)
    return 0 if response.status_code < 400 else 1


def run_gunicorn(settings: Settings, threads: int) -> None:
    """Run gunicorn in this process: each worker builds its own app (no preload), so each opens its own
    read-only store, its in-memory copy and its query processes; the worker timeout sits above the query
    time limit, so gunicorn never kills a worker that is only waiting for a query to be stopped. The server
    owns a runtime directory (a temporary one, removed when it exits) where its workers note runaways. How
    workers start, stop and are replaced: ``publisher/serving.py``."""
    from gunicorn.app.base import BaseApplication

    from publisher import serving

    logging.basicConfig(format="%(message)s")  # the workers inherit it: publisher's notes on stderr
    logging.getLogger("publisher").setLevel(logging.INFO)
    runtime_dir = Path(tempfile.mkdtemp(prefix="kgpub-serve-"))  # removed when the server exits (on_exit)

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options = {
                "bind": f"{settings.host}:{settings.port}",
                "workers": settings.workers,
                "worker_class": "gthread" if threads > 1 else "sync",
                "threads": threads,
                "timeout": int(settings.query_timeout_s) + 10,
                "preload_app": False,
                "limit_request_line": 8190,
                "errorlog": "-",
                "loglevel": "warning",  # gunicorn's start-up chatter off; the one line is when_ready's
                "when_ready": lambda server: say(
                    ready_line(settings, server.LISTENERS[0].sock.getsockname())
                ),
                "proc_name": "kgpub",
                "control_socket_disable": True,  # gunicorn >= 25.1: one shared ~/.gunicorn path, not needed
                **serving.hooks(runtime_dir),
            }
            for key, value in options.items():
                if key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self) -> Any:
            from publisher import create_app

            return create_app(settings)

    Server().run()


def ready_line(settings: Settings, address: tuple[Any, ...]) -> str:
    """What ``kgpub serve`` says once it listens: the URL to open, with the port really bound (``--port 0``)."""
    host, port = address[0], address[1]
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else f"[{host}]" if ":" in host else host
    return (
        f"kgpub: serving {settings.title} at http://{shown}:{port}/ "
        f"(IRIs under {settings.namespace} are served here)"
    )


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point (``kgpub``)."""
    cli.main(args=argv, prog_name="kgpub")
