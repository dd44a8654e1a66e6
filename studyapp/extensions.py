"""Extension singletons, created unbound and initialised in create_app, and the classes they run on.

StudyRequest, CookieSessions, ServerSideLogins and CsrfProtection are werkzeug's, Flask's,
Flask-Login's and Flask-WTF's own classes less the per-request work studyapp never needs; each
docstring says what it skips, and tests/test_extensions.py holds each to the library's behaviour.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import secrets
import time
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask, Request, Response, current_app, g, session
from flask.ctx import RequestContext
from flask.globals import _cv_app, _cv_request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from flask_wtf.csrf import same_origin
from htmx_flask import Htmx
from htmx_flask.requests import HtmxAwareRequest, HtmxHeaders
from itsdangerous import BadData, BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import DeclarativeBase
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from wtforms import ValidationError


class Base(DeclarativeBase):
    pass


_NO_FILES: ImmutableMultiDict[str, Any] = ImmutableMultiDict()


class StudyRequest(HtmxAwareRequest):  # type: ignore[misc]
    """htmx-flask's request (`request.htmx`), reading the one body every form posts for less work.

    A urlencoded form body is what every form and htmx request here sends. werkzeug reads it
    through a form-parser object, a length-limited stream wrapper and four config lookups, which
    cost four times the parse itself (`urllib.parse.parse_qsl`, which werkzeug calls too). This
    reads the Content-Length bytes straight from the server's input and parses them the same way:
    the same MultiDict, the same 413 above MAX_CONTENT_LENGTH, the same 400 when the client hangs
    up early, the same empty form for a body that is not UTF-8. Anything else (multipart, no
    length, a debug app, a per-request limit, a stream or body already read) goes to werkzeug.
    """

    FORM_TYPE = "application/x-www-form-urlencoded"

    def __init__(self, environ: Any, populate_request: bool = True, shallow: bool = False) -> None:
        Request.__init__(self, environ, populate_request, shallow)  # `htmx` is made on first use instead

    @cached_property
    def htmx(self) -> HtmxHeaders:
        return HtmxHeaders(self.headers)

    def _load_form_data(self) -> None:
        if "form" in self.__dict__:
            return
        environ = self.environ
        kind = environ.get("CONTENT_TYPE", "")
        length = environ.get("CONTENT_LENGTH", "")
        if (
            (kind != self.FORM_TYPE and kind.partition(";")[0].strip().lower() != self.FORM_TYPE)
            or not length.isdigit()
            or "stream" in self.__dict__
            or "_cached_data" in self.__dict__
            or self._max_content_length is not None
            or current_app.debug
        ):
            super()._load_form_data()
            return
        size, limit = int(length), current_app.config["MAX_CONTENT_LENGTH"]
        if limit is not None and size > limit:
            raise RequestEntityTooLarge()
        stream, body = environ["wsgi.input"], b""
        while len(body) < size:
            chunk = stream.read(size - len(body))
            if not chunk:
                raise ClientDisconnected()
            body += chunk
        try:
            text = body.decode()
        except UnicodeDecodeError:  # werkzeug's parser ignores the body (its `silent` default)
            pairs: list[tuple[str, str]] = []
        else:
            pairs = parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote")
        d = self.__dict__
        d["stream"], d["form"], d["files"] = io.BytesIO(), self.parameter_storage_class(pairs), _NO_FILES


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
        user_id = _cv_request.get().session.get("_user_id")
        user = self._user_callback(user_id) if user_id is not None and self._user_callback else None
        _cv_app.get().g._login_user = self.anonymous_user() if user is None else user

    def _session_protection_failed(self) -> bool:
        return False


class CsrfProtection(CSRFProtect):  # type: ignore[misc]
    """Flask-WTF's CSRF protection: the same tokens, the same checks and messages, for less work.

    - Flask-WTF's own hook looks up the view and formats its dotted name (for `@csrf.exempt`) on
      every request, a GET included, before it asks whether the method needs a token at all; and
      it adds a context processor that hands every template the `csrf_token` its Jinja globals
      already hold. One hook here lets safe methods through at once, and there is no processor.
    - Flask-WTF builds a new serializer for every token it signs or checks and signs through
      itsdangerous' lazy SHA-1 wrapper, which sends each HMAC through the hmac module's pure-Python
      fallback (two HMACs per token: the derived key and the signature). Here one serializer per
      secret key signs with hashlib's SHA-1, so the tokens are the same bytes, made in C.
    - Each response with a form used to sign the session's token afresh. A signed token is now
      reused for up to REUSE_SECONDS, so a page can carry a token up to that much older than the
      page (it still has more than 59 of its 60 minutes to live), and a token this process signed
      or verified is remembered: checking it again is a comparison and the age limit, not two
      HMACs. As with the session cookies, only the exact text is remembered: anything altered or
      unknown is verified in full and refused with Flask-WTF's own messages.

    Flask-WTF's module functions (which FlaskForm's CSRF field calls) read and write the same
    `g.csrf_token`, so both always agree on the token of a request.
    """

    REUSE_SECONDS = 60
    MEMO_LIMIT = 4096  # tokens remembered (about 150 bytes each)

    def __init__(self) -> None:
        super().__init__()
        self._serializers: dict[str | bytes, URLSafeTimedSerializer] = {}
        self._signed: dict[tuple[str | bytes, str], tuple[str, float]] = {}  # (key, raw) -> (token, signed at)
        self._known: dict[tuple[str | bytes, str], tuple[str, float]] = {}  # (key, token) -> (raw, signed at)
        self._exempt_endpoints: dict[str | None, bool] = {}

    def init_app(self, app: Flask) -> None:
        hooks = list(app.before_request_funcs.get(None, ()))
        processors = list(app.template_context_processors[None])
        super().init_app(app)
        app.before_request_funcs[None] = hooks
        app.template_context_processors[None] = processors
        app.jinja_env.globals["csrf_token"] = self.generate
        unsafe = app.config["WTF_CSRF_METHODS"]

        @app.before_request
        def check_csrf() -> None:
            ctx = _cv_request.get()
            if ctx.request.method in unsafe and app.config["WTF_CSRF_ENABLED"] and app.config["WTF_CSRF_CHECK_DEFAULT"]:
                self._protect(ctx, apply_exemptions=True)

    @staticmethod
    def _secret(config: Any) -> str | bytes:
        key: str | bytes | None = config.get("WTF_CSRF_SECRET_KEY") or config["SECRET_KEY"]
        if not key:
            raise RuntimeError("A secret key is required to use CSRF.")
        return key

    def _serializer(self, key: str | bytes) -> URLSafeTimedSerializer:
        serializer = self._serializers.get(key)
        if serializer is None:
            serializer = self._serializers[key] = URLSafeTimedSerializer(
                key, salt="wtf-csrf-token", signer_kwargs={"digest_method": hashlib.sha1}
            )
        return serializer

    def _remember(self, key: str | bytes, raw: str, token: str, signed_at: float) -> None:
        if len(self._known) >= self.MEMO_LIMIT:
            self._known.clear()
            self._signed.clear()
        self._known[(key, token)] = (raw, signed_at)

    def generate(self) -> str:
        """The request's signed CSRF token, as Flask-WTF's generate_csrf (once per request)."""
        name = current_app.config["WTF_CSRF_FIELD_NAME"]
        token: str | None = g.get(name)
        if token is not None:
            return token
        raw = session.get(name)
        if not isinstance(raw, str):
            raw = session[name] = secrets.token_hex(20)  # 40 hex digits, as Flask-WTF makes them
        key = self._secret(current_app.config)
        now = time.time()
        reused = self._signed.get((key, raw))
        if reused is not None and 0 <= now - reused[1] < self.REUSE_SECONDS:
            token = reused[0]
        else:
            signed_at = float(int(now))  # the timestamp itsdangerous writes, or a second before it
            token = self._serializer(key).dumps(raw)
            self._remember(key, raw, token, signed_at)
            self._signed[(key, raw)] = (token, signed_at)
        setattr(g, name, token)
        return token

    def validate(self, token: str | None) -> None:
        """Flask-WTF's validate_csrf for the app's own settings: raises ValidationError with its messages."""
        self._validate(token, session, current_app.config)

    def _validate(self, token: str | None, session: SessionMixin, config: Any) -> None:
        name, limit = config["WTF_CSRF_FIELD_NAME"], config["WTF_CSRF_TIME_LIMIT"]
        if not token:
            raise ValidationError("The CSRF token is missing.")
        if name not in session:
            raise ValidationError("The CSRF session token is missing.")
        key = self._secret(config)
        known = self._known.get((key, token))
        if known is not None and (limit is None or 0 <= time.time() - known[1] <= limit):
            raw = known[0]
        else:
            try:
                raw, signed_at = self._serializer(key).loads(token, max_age=limit, return_timestamp=True)
            except SignatureExpired as error:
                raise ValidationError("The CSRF token has expired.") from error
            except BadData as error:
                raise ValidationError("The CSRF token is invalid.") from error
            if not isinstance(raw, str):
                raise ValidationError("The CSRF token is invalid.")
            self._remember(key, raw, token, signed_at.timestamp())
        if not hmac.compare_digest(session[name], raw):
            raise ValidationError("The CSRF tokens do not match.")

    def exempt(self, view: Any) -> Any:
        self._exempt_endpoints.clear()
        return super().exempt(view)

    def _exempt(self, endpoint: str | None) -> bool:
        """Flask-WTF's answer for an endpoint, worked out once per endpoint."""
        exempt = self._exempt_endpoints.get(endpoint)
        if exempt is None:
            exempt = self._exempt_endpoints[endpoint] = bool(super()._is_exempt())
        return exempt

    @staticmethod
    def _token_sent(request: Request, config: Any) -> str | None:
        """Where Flask-WTF looks for the token: the form field (or a prefixed one), then the headers."""
        name, form = config["WTF_CSRF_FIELD_NAME"], request.form
        token: str | None = form.get(name)
        if token:
            return token
        for field in form:
            if field.endswith(name) and form[field]:
                return str(form[field])
        for header in config["WTF_CSRF_HEADERS"]:
            token = request.headers.get(header)
            if token:
                return token
        return None

    def protect(self, apply_exemptions: bool = False) -> None:
        """Flask-WTF's protect, checking the token with `validate`."""
        self._protect(_cv_request.get(), apply_exemptions)

    def _protect(self, ctx: RequestContext, apply_exemptions: bool) -> None:
        req, config = ctx.request, ctx.app.config
        if apply_exemptions and (not req.endpoint or self._exempt(req.endpoint)):
            return
        if req.method not in config["WTF_CSRF_METHODS"]:
            return
        try:
            self._validate(self._token_sent(req, config), ctx.session, config)
        except ValidationError as error:
            logging.getLogger("flask_wtf.csrf").info(error.args[0])
            self._error_response(error.args[0])
        if req.is_secure and config["WTF_CSRF_SSL_STRICT"]:
            if not req.referrer:
                self._error_response("The referrer header is missing.")
            if not same_origin(req.referrer, f"https://{req.host}/"):
                self._error_response("The referrer does not match the host.")
        _cv_app.get().g.csrf_valid = True


_PLAIN = frozenset({str, int, float, bool, type(None)})  # session values a shallow copy copies in full


def _cookie_value(header: str, name: str) -> str | None:
    """The first cookie called `name` in a Cookie header, if it needs no unquoting (a signed session
    cookie never does), else None: what werkzeug's full parse of the header would give for it."""
    for part in header.split(";"):
        key, _, value = part.partition("=")
        if key.strip() == name:
            value = value.strip()
            return None if '"' in value or "\\" in value else value
    return None


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
        self._verified: dict[tuple[int, str], tuple[dict[str, Any] | str, float]] = {}

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
        """Flask's open_session, without parsing the whole Cookie header, and without checking the
        signature of a cookie this process has already verified.

        A logged-in learner sends the same cookie with every request until the session changes;
        verifying it (two HMACs, base64, zlib, JSON) is most of what reading a session costs. The
        memo maps the exact cookie text, signature included, to what it decoded to and when it was
        signed: a cookie not verified before, or altered by one byte, is checked in full, and one
        past its age limit is refused as Flask would. Each hit hands out a fresh copy of the data,
        since a request may change its session: a shallow copy when every value is a plain string
        or number (what studyapp's sessions hold), else a fresh decode.
        """
        name = app.config["SESSION_COOKIE_NAME"]
        cookies = request.environ.get("HTTP_COOKIE")
        if app.secret_key and (not cookies or name not in cookies):
            return self.session_class()
        serializer = self.get_signing_serializer(app)
        value = _cookie_value(cookies, name) if cookies else None
        if value is None and serializer is not None:
            value = request.cookies.get(name)
        if serializer is None or not value:
            return super().open_session(app, request)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        key = (id(serializer), value)
        known = self._verified.get(key)
        if known is not None and 0 <= time.time() - known[1] <= max_age:
            data = known[0]
            return self.session_class(data if isinstance(data, dict) else self.serializer.loads(data))
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if len(self._verified) >= self.VERIFIED_LIMIT:
            self._verified.clear()
        plain = all(type(v) in _PLAIN for v in data.values())
        self._verified[key] = (dict(data) if plain else self.serializer.dumps(data), signed_at.timestamp())
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
