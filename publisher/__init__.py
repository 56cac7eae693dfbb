"""kgpub: a linked-data publisher for university news.

``create_app`` is the only place where the parts are connected: tests, the CLI and the WSGI server all
build the application through it.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from publisher.settings import Settings

__version__ = "0.1.0"


def create_app(settings: Settings | None = None, release: Path | None = None) -> Flask:
    """Build a publisher app over the current build (or a remote store), following the builds published
    later; or over one ``release`` alone. Nothing else wires parts."""
    from publisher.app_state import Releases
    from publisher.web import unpin
    from publisher.web.harvest import routes as harvest
    from publisher.web.pages import entities, explorer, home, indexes, ontology, search
    from publisher.web.pages.fast_path import PrebuiltPages
    from publisher.web.site import assets, caching, errors
    from publisher.web.sparql import endpoint as sparql
    from publisher.web.sparql.fast_path import SparqlFastPath

    settings = settings or Settings.load()
    app = Flask(__name__, template_folder="web/site/templates", static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.extensions["kgpub"] = Releases.open(settings, release)
    assets.register(app)
    views = (sparql, harvest, ontology, home, indexes, search, explorer, entities)  # entities: the catch-all
    for module in views:
        app.register_blueprint(module.bp)
    errors.register(app)
    caching.register(app)
    app.teardown_appcontext(unpin)
    # plain requests for a query or a page the build rendered are answered around Flask's machinery
    app.wsgi_app = PrebuiltPages(app, SparqlFastPath(app, app.wsgi_app))  # type: ignore[method-assign]
    return app
