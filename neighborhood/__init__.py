"""Neighborhood: report neighborhood problems, route them, follow them to resolution."""

import os
from pathlib import Path

from flask import Flask

__all__ = ["create_app"]


def create_app(config: object | None = None, **overrides) -> Flask:
    """Create the app: config, extensions, blueprints, error handlers, signal receivers."""
    from neighborhood import cli
    from neighborhood.config import (Config, default_database_url, environment_overrides,
                                     request_size_limit)
    from neighborhood.core import db as core_db
    from neighborhood.accounts import auth
    from neighborhood.accounts.views import blp as auth_api
    from neighborhood.accountability.plan_views import blp as plans_api
    from neighborhood.accountability.views import blp as accountability_api
    from neighborhood.core import errors, limits, security, transaction
    from neighborhood.extensions import api, compress, db, limiter, migrate
    from neighborhood.exports.views import blp as exports_api
    from neighborhood.maps.views import bp as maps
    from neighborhood.moderation.views import blp as moderation_api
    from neighborhood.notifications import receivers as notifications
    from neighborhood.open311 import views as open311
    from neighborhood.open311.api import blp as open311_keys_api
    from neighborhood.reports.views import blp as reports_api
    from neighborhood.routing.views import blp as routing_api
    from neighborhood.spatial.views import blp as spatial_api
    from neighborhood.walks.views import blp as walks_api
    from neighborhood.web import i18n, templating
    from neighborhood.web.views import bp as web
    from neighborhood.workflow.views import blp as workflow_api

    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config or Config)
    if config is None:
        app.config.update(environment_overrides())
    app.config.update(overrides)
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's own default is None
        app.config["MAX_CONTENT_LENGTH"] = request_size_limit(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    url = app.config.get("DATABASE_URL") or default_database_url(app.instance_path)
    url, engine_options = core_db.engine_options(url)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options
    app.config["UPLOAD_DIR"] = app.config.get("UPLOAD_DIR") or os.path.join(
        app.instance_path, "uploads")

    db.init_app(app)
    with app.app_context():
        core_db.configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    api.init_app(app)

    for blueprint in (reports_api, workflow_api, routing_api, spatial_api, auth_api,
                      exports_api, open311_keys_api, accountability_api, walks_api, plans_api,
                      moderation_api):
        api.register_blueprint(blueprint)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer",
                       "description": "A token from `flask tokens create EMAIL`."})
    app.register_blueprint(web)
    app.register_blueprint(maps)

    errors.register_error_handlers(app)
    security.init_app(app)
    compress.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    open311.init_app(app)
    limiter.init_app(app)
    limits.init_app(app)
    auth.init_app(app)
    transaction.init_app(app)
    notifications.init_app(app)  # after the transaction hook: it drains after the commit
    cli.init_app(app)
    return app
