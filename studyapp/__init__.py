"""studyapp: learn the vocabulary of modern AI with quizzes and daily spaced repetition."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from studyapp import config, responses
from studyapp.extensions import csrf, db, htmx, login_manager, migrate
from studyapp.services import accounts


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, commands and error pages."""
    app = Flask(
        __name__,
        template_folder=str(config.PROJECT_ROOT / "templates"),
        static_folder=str(config.PROJECT_ROOT / "static"),
        instance_path=str(config.PROJECT_ROOT / "instance"),
        instance_relative_config=True,
    )
    app.config.from_mapping(config.load(app.instance_path, overrides))
    if app.config["TRUSTED_PROXIES"]:
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    register_error_pages(app)
    responses.init_app(app)
    return app


def register_extensions(app: Flask) -> None:
    import studyapp.models  # noqa: F401  (register the tables on the metadata)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(config.PROJECT_ROOT / "studyapp" / "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(lambda token: accounts.session_user(db.session(), token))
    accounts.set_password_cost(
        app.config["ARGON2_TIME_COST"], app.config["ARGON2_MEMORY_KIB"], app.config["ARGON2_PARALLELISM"]
    )
    app.teardown_request(_end_read_transaction)


def _end_read_transaction(error: BaseException | None) -> None:
    """End a request's read transaction with COMMIT, not the ROLLBACK that closing the session sends.

    Services commit their own writes, so what is left open after a successful request only read.
    For a read the two are the same to the database, but psycopg discards every prepared
    statement of the connection on ROLLBACK: PostgreSQL would then parse and plan each statement
    of every request afresh. A failed request, or one holding unsaved ORM changes (a bug: nothing
    should be saved by accident), is left to the rollback.
    """
    if error is not None or not db.session.registry.has():
        return
    session = db.session()
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        try:
            session.commit()
        except Exception:  # the response is already made; the rollback at close ends the transaction
            logging.getLogger(__name__).exception("could not end a read transaction with COMMIT")
            session.rollback()


def register_blueprints(app: Flask) -> None:
    from studyapp.auth.views import bp as auth
    from studyapp.glossary.views import bp as glossary
    from studyapp.study.views import bp as study

    app.register_blueprint(glossary)
    app.register_blueprint(auth)
    app.register_blueprint(study)


def register_commands(app: Flask) -> None:
    from studyapp.cli import questions

    app.cli.add_command(questions)


def register_error_pages(app: Flask) -> None:
    def page(code: int, title: str, message: str) -> Any:
        return render_template("error.html", code=code, title=title, message=message), code

    app.register_error_handler(400, lambda e: page(400, "Bad request", getattr(e, "description", "")))
    app.register_error_handler(
        CSRFError,
        lambda e: page(
            400, "Form expired", "The form was open too long or came from elsewhere. Reload the page and try again."
        ),
    )
    app.register_error_handler(404, lambda e: page(404, "Page not found", "There is nothing at this address."))
    app.register_error_handler(405, lambda e: page(405, "Method not allowed", "This page does not accept that."))
    app.register_error_handler(
        500, lambda e: page(500, "Something went wrong", "The error was logged. Nothing you entered was lost.")
    )


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """WAL for concurrent readers, enforced foreign keys, and a wait instead of 'database is locked'."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA mmap_size=134217728")
    cursor.close()
