"""studyapp: learn the vocabulary of modern AI with quizzes and daily spaced repetition."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from studyapp import config, database, responses, web
from studyapp.core.generation import KIND_LABELS
from studyapp.core.scheduling import Rating, format_interval
from studyapp.extensions import CookieSessions, StudyRequest, csrf, db, htmx, login_manager, migrate
from studyapp.services import accounts


class StudyApp(Flask):
    """Flask, asking once per function whether it is a coroutine function.

    Flask asks `ensure_sync` for every view and hook it calls, six times a request here, and
    `inspect.iscoroutinefunction` is a chain of Python calls whose answer for a function never
    changes. The memo holds the app's views and hooks; it is emptied past SYNC_LIMIT entries, should
    a caller pass a new function each request (`after_this_request`).
    """

    SYNC_LIMIT = 512

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        sync = self._sync.get(func)
        if sync is None:
            if len(self._sync) >= self.SYNC_LIMIT:
                self._sync.clear()
            sync = self._sync[func] = super().ensure_sync(func)
        return sync


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, commands and error pages."""
    app = StudyApp(
        __name__,
        template_folder=str(config.PROJECT_ROOT / "templates"),
        static_folder=str(config.PROJECT_ROOT / "static"),
        instance_path=str(config.PROJECT_ROOT / "instance"),
        instance_relative_config=True,
    )
    app.config.from_mapping(config.load(app.instance_path, overrides))
    app.session_interface = CookieSessions()
    if app.config["TRUSTED_PROXIES"]:
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    register_error_pages(app)
    register_template_globals(app)
    responses.init_app(app)
    return app


def register_extensions(app: Flask) -> None:
    import studyapp.models  # noqa: F401  (register the tables on the metadata)

    database.init_app(app)
    migrate.init_app(app, db, directory=str(config.PROJECT_ROOT / "studyapp" / "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    app.request_class = StudyRequest
    login_manager.init_app(app)
    login_manager.user_loader(lambda token: accounts.session_user(db.session(), token))
    login_manager.unauthorized_handler(web.login_required_response)
    accounts.set_password_cost(
        app.config["ARGON2_TIME_COST"], app.config["ARGON2_MEMORY_KIB"], app.config["ARGON2_PARALLELISM"]
    )


def register_blueprints(app: Flask) -> None:
    from studyapp.auth.views import bp as auth
    from studyapp.glossary.views import bp as glossary
    from studyapp.progress.views import bp as progress
    from studyapp.quiz.views import bp as quiz
    from studyapp.study.views import bp as study

    app.register_blueprint(glossary)
    app.register_blueprint(auth)
    app.register_blueprint(study)
    app.register_blueprint(quiz)
    app.register_blueprint(progress)


def register_commands(app: Flask) -> None:
    from studyapp.cli import questions

    app.cli.add_command(questions)


_ERRORS = {
    400: ("Bad request", "The request could not be read."),
    404: ("Page not found", "There is nothing at this address."),
    405: ("Method not allowed", "This page does not accept that."),
    429: ("Too many requests", "Wait a moment, then try again."),
    500: ("Something went wrong", "The error was logged. Nothing you entered was lost."),
}


def register_error_pages(app: Flask) -> None:
    """Every error as a page, or for htmx as a notice (web.error_response)."""

    def http_error(error: HTTPException) -> Any:
        code = error.code or 500
        title, message = _ERRORS.get(code, (error.name, error.description or ""))
        if code == 400 and error.description and "browser (or proxy)" not in error.description:
            message = error.description
        return web.error_response(code, title, message)

    def csrf_error(error: CSRFError) -> Any:
        return web.error_response(
            400, "Form expired", "The form was open too long or came from elsewhere. Reload the page and try again."
        )

    def server_error(error: Exception) -> Any:
        db.session.rollback()
        return web.error_response(500, *_ERRORS[500])

    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(500, server_error)


def register_template_globals(app: Flask) -> None:
    """Domain labels the templates print, defined once in core."""
    app.jinja_env.globals.update(KIND_LABELS=KIND_LABELS, RATINGS=tuple(Rating), url_for=web.template_url_for(app))
    app.jinja_env.filters["due_in"] = lambda when, now: "in " + format_interval(when - now)
