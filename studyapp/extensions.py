"""Extension singletons, created unbound and initialised in create_app."""

from __future__ import annotations

import hashlib
import time

from flask import Flask, Request, Response, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from htmx_flask import Htmx
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


class ServerSideLogins(LoginManager):  # type: ignore[misc]
    """Flask-Login for login sessions that live in the database (services.accounts), minus the
    costs every request paid for nothing:

    - With session protection off, Flask-Login still hashes the client's address and User-Agent
      with SHA-512 whenever current_user is loaded, only to ignore the result, and keeps that hash
      in every session cookie. Logging out or changing the password ends a login on the server
      instead, so neither is needed. (Both are Flask-Login internals of 0.6; should they be
      renamed, Flask-Login simply does that work again.)
    - Its context processor loads the user for every template rendered, even a fragment that never
      shows it (glossary search results); templates get the lazy current_user proxy instead, which
      loads the user the first time a template reads it.
    - studyapp never sets Flask-Login's "remember me" cookie (a login lives as long as its
      server-side session), so its after_request hook, which refreshes that cookie, is not
      registered, and loading the user reads the session only: no look for a remember cookie or
      an Authorization header, no `user_accessed` signal (nothing listens to it).
    """

    def __init__(self) -> None:
        super().__init__()
        self.session_protection = None
        self._session_identifier_generator = str  # login_user stores str() == "" as the session's _id

    def init_app(self, app: Flask, add_context_processor: bool = True) -> None:
        app.login_manager = self  # type: ignore[attr-defined]  # what LoginManager.init_app does, less the two hooks above
        if add_context_processor:
            app.add_template_global(current_user, "current_user")

    def _load_user(self) -> None:
        user_id = session.get("_user_id")
        user = self._user_callback(user_id) if user_id is not None and self._user_callback else None
        self._update_request_context_with_user(user)

    def _session_protection_failed(self) -> bool:
        return False


class CsrfProtection(CSRFProtect):  # type: ignore[misc]
    """Flask-WTF's CSRF protection, checking the method first.

    Flask-WTF's own hook looks up the view and formats its dotted name (for `@csrf.exempt`) on
    every request, a GET included, before it asks whether the method needs a token at all; and it
    adds a context processor that hands every template the `csrf_token` its Jinja globals already
    hold. This keeps everything else of Flask-WTF and replaces those two with one hook that lets
    safe methods through at once.
    """

    def init_app(self, app: Flask) -> None:
        hooks = list(app.before_request_funcs.get(None, ()))
        processors = list(app.template_context_processors[None])
        super().init_app(app)
        app.before_request_funcs[None] = hooks
        app.template_context_processors[None] = processors
        unsafe = app.config["WTF_CSRF_METHODS"]

        @app.before_request
        def check_csrf() -> None:
            if request.method in unsafe and app.config["WTF_CSRF_ENABLED"] and app.config["WTF_CSRF_CHECK_DEFAULT"]:
                self.protect(apply_exemptions=True)


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, the same cookies byte for byte, for less work per request.

    Flask builds a new signing serializer for every request, twice when the session is saved, and
    signs through its lazy SHA-1 wrapper, a Python function, which sends each HMAC (two per cookie
    read: the derived key and the signature) through the hmac module's pure-Python fallback.
    This keeps one serializer per set of keys and passes hashlib's own SHA-1, which hmac runs in C.
    """

    digest_method = staticmethod(hashlib.sha1)
    VERIFIED_LIMIT = 4096  # cookies remembered as verified (a few hundred bytes each)

    def __init__(self) -> None:
        self._serializers: dict[tuple[object, ...], URLSafeTimedSerializer] = {}
        self._verified: dict[tuple[int, str], tuple[str, float]] = {}

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

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """Flask's open_session, without the Cookie header's parse when no session cookie is in it,
        and without checking the signature of a cookie this process has already verified.

        A logged-in learner sends the same cookie with every request until the session changes;
        verifying it (two HMACs, base64, zlib, JSON) is most of what reading a session costs. The
        memo maps the exact cookie text, signature included, to what it decoded to and when it was
        signed: a cookie not verified before, or altered by one byte, is checked in full, and one
        past its age limit is refused as Flask would. Each hit decodes a fresh copy of the data,
        since a request may change its session.
        """
        name = app.config["SESSION_COOKIE_NAME"]
        cookies = request.environ.get("HTTP_COOKIE")
        if app.secret_key and (not cookies or name not in cookies):
            return self.session_class()
        serializer = self.get_signing_serializer(app)
        value = request.cookies.get(name) if serializer is not None else None
        if serializer is None or not value:
            return super().open_session(app, request)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        key = (id(serializer), value)
        known = self._verified.get(key)
        if known is not None and 0 <= time.time() - known[1] <= max_age:
            return self.session_class(self.serializer.loads(known[0]))
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if len(self._verified) >= self.VERIFIED_LIMIT:
            self._verified.clear()
        self._verified[key] = (self.serializer.dumps(data), signed_at.timestamp())
        return self.session_class(data)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Flask's save_session, with a short way out for the common request that changed nothing.

        `Vary: Cookie` is responses.py's to add, on every response but static files (which never
        touch the session); Flask's version would add it again, parsing the header to find it there.
        """
        if not session.modified and not (session and session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return  # nothing to set or delete: what Flask's version concludes after reading the config
        super().save_session(app, session, response)


# Objects keep their values after a commit: a request that writes and then renders (an answer,
# then the next card) would otherwise reload the user and everything else it holds.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
csrf = CsrfProtection()
htmx = Htmx()
login_manager = ServerSideLogins()
login_manager.login_view = "auth.login"
login_manager.login_message = "Log in to study."
login_manager.login_message_category = "info"
