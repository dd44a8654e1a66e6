"""Extension singletons, created unbound and initialised in create_app."""

from __future__ import annotations

import hashlib

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from htmx_flask import Htmx
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


class ServerSideLogins(LoginManager):  # type: ignore[misc]
    """Flask-Login for login sessions that live in the database (services.accounts), minus two
    costs every request paid for nothing:

    - With session protection off, Flask-Login still hashes the client's address and User-Agent
      with SHA-512 whenever current_user is loaded, only to ignore the result, and keeps that hash
      in every session cookie. Logging out or changing the password ends a login on the server
      instead, so neither is needed. (Both are Flask-Login internals of 0.6; should they be
      renamed, Flask-Login simply does that work again.)
    - Its context processor loads the user for every template rendered, even a fragment that never
      shows it (glossary search results); templates get the lazy current_user proxy instead, which
      loads the user the first time a template reads it.
    """

    def __init__(self) -> None:
        super().__init__()
        self.session_protection = None
        self._session_identifier_generator = str  # login_user stores str() == "" as the session's _id

    def init_app(self, app: Flask, add_context_processor: bool = True) -> None:
        super().init_app(app, add_context_processor=False)
        if add_context_processor:
            app.add_template_global(current_user, "current_user")

    def _session_protection_failed(self) -> bool:
        return False


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, the same cookies byte for byte, for less work per request.

    Flask builds a new signing serializer for every request, twice when the session is saved, and
    signs through its lazy SHA-1 wrapper, a Python function, which sends each HMAC (two per cookie
    read: the derived key and the signature) through the hmac module's pure-Python fallback.
    This keeps one serializer per set of keys and passes hashlib's own SHA-1, which hmac runs in C.
    """

    digest_method = staticmethod(hashlib.sha1)

    def __init__(self) -> None:
        self._serializers: dict[tuple[object, ...], URLSafeTimedSerializer] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = self._serializers[keys] = URLSafeTimedSerializer(
                list(keys),
                salt=self.salt,
                serializer=self.serializer,
                signer_kwargs={"key_derivation": self.key_derivation, "digest_method": self.digest_method},
            )
        return serializer


# Objects keep their values after a commit: a request that writes and then renders (an answer,
# then the next card) would otherwise reload the user and everything else it holds.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
csrf = CSRFProtect()
htmx = Htmx()
login_manager = ServerSideLogins()
login_manager.login_view = "auth.login"
login_manager.login_message = "Log in to study."
login_manager.login_message_category = "info"
