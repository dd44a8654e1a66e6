"""Register, log in and out, and the settings page (study settings, password, account deletion)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from markupsafe import Markup

from studyapp.auth.forms import (
    DeleteAccountForm,
    LoginForm,
    PasswordForm,
    RegisterForm,
    SettingsForm,
    known_timezone,
    timezone_names,
)
from studyapp.extensions import db
from studyapp.models import User
from studyapp.quiz.views import VISITOR as QUIZ_VISITOR
from studyapp.services import accounts, quiz
from studyapp.services.accounts import Reason

bp = Blueprint("auth", __name__)


def _now() -> datetime:
    return datetime.now(UTC)


def safe_next(target: str | None) -> str:
    """Only a path on this site: no scheme, no host, no protocol-relative '//' or backslashes."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("study.review")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return url_for("study.review")
    return target


# A browser this account has logged in from: the cookie holds a keyed hash of each username key
# (the names themselves stay unreadable), at most a few per browser.
KNOWN_DEVICE_COOKIE, KNOWN_DEVICE_ACCOUNTS = "known_device", 5
KNOWN_DEVICE_AGE = 400 * 86400  # the longest lifetime browsers allow a cookie


def _account_mark(username: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, b"known-device:" + accounts.username_key(username).encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def _known_marks() -> list[str]:
    return request.cookies.get(KNOWN_DEVICE_COOKIE, "").split(".")[:KNOWN_DEVICE_ACCOUNTS]


def _remember_device(response: Response, username: str) -> Response:
    mark = _account_mark(username)
    marks = [mark, *(m for m in _known_marks() if m and m != mark)][:KNOWN_DEVICE_ACCOUNTS]
    response.set_cookie(
        KNOWN_DEVICE_COOKIE,
        ".".join(marks),
        max_age=KNOWN_DEVICE_AGE,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def _log_in(user: User) -> None:
    """A fresh session at login (nothing carried over), except a visitor's quizzes, which the account claims."""
    visitor = session.get(QUIZ_VISITOR)
    session.clear()
    login_user(accounts.start_session(db.session(), user, _now()))
    if visitor:
        quiz.claim(db.session(), quiz.visitor_key(visitor), user.id)


def _show_error(form: FlaskForm, error: accounts.AccountError, fields: dict[Reason, str]) -> None:
    """Put a service's refusal on the form field it concerns, or above the form."""
    name = fields.get(error.reason)
    if name is None:
        form.form_errors.append(error.message)
    else:
        form[name].errors.append(error.message)


def _already_signed_in() -> ResponseReturnValue | None:
    """A signed-in learner is sent on, so a stale sign-up or login form cannot switch accounts."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")), code=303)
    return None


@bp.route("/register", methods=["GET", "POST"])
def register() -> ResponseReturnValue:
    if (signed_in := _already_signed_in()) is not None:
        return signed_in
    form = RegisterForm()
    status = 200
    if form.validate_on_submit():
        # The browser's zone, or UTC when it sent none (no JavaScript) or one zoneinfo lacks.
        timezone = known_timezone(form.timezone.data)
        try:
            user = accounts.register(
                db.session(),
                form.username.data,
                form.email.data,
                form.password.data,
                _now(),
                timezone=timezone or "UTC",
            )
        except accounts.AccountError as error:
            _show_error(form, error, {Reason.WEAK_PASSWORD: "password", Reason.USERNAME_TAKEN: "username"})
        else:
            _log_in(user)
            flash("Welcome! Your first cards are ready.", "success")
            if timezone is None:
                settings = url_for("auth.settings", _anchor="timezone")
                flash(
                    Markup(
                        'Your study days follow UTC for now. <a href="{}">Set your time zone</a> so each new day '
                        "starts at night where you are."
                    ).format(settings),
                    "info",
                )
            return _remember_device(redirect(url_for("study.review")), user.username)
    if request.method == "POST":
        status = 422
    return render_template("auth/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if (signed_in := _already_signed_in()) is not None:
        return signed_in
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        address = request.remote_addr or "unknown"
        mark = _account_mark(form.username.data)
        trusted = any(hmac.compare_digest(mark, known) for known in _known_marks())
        try:
            user = accounts.authenticate(
                db.session(), form.username.data, form.password.data, address, _now(), trusted_device=trusted
            )
        except accounts.Throttled as throttled:
            minutes = max(1, round(throttled.retry_after.total_seconds() / 60))
            form.form_errors.append(
                f"Too many failed attempts. Try again in {minutes} minute{'s' if minutes > 1 else ''}, "
                "or log in from a browser you have used for this account before: it is not locked out."
            )
            response = (
                render_template("auth/login.html", form=form),
                429,
                {"Retry-After": str(int(throttled.retry_after.total_seconds()))},
            )
            return response
        if user is not None:
            _log_in(user)
            return _remember_device(redirect(safe_next(request.args.get("next"))), user.username)
        form.form_errors.append("Unknown username or wrong password.")
        status = 401
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    accounts.end_session(db.session(), current_user.session_token)
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("glossary.home"))


def _settings_form(user: accounts.SessionUser) -> SettingsForm:
    return SettingsForm.from_settings(user.settings)


def _settings_page(
    settings: SettingsForm, password: PasswordForm, delete: DeleteAccountForm, status: int = 200
) -> ResponseReturnValue:
    return (
        render_template(
            "auth/settings.html",
            form=settings,
            password_form=password,
            delete_form=delete,
            timezone_names=timezone_names(),
        ),
        status,
    )


@bp.get("/settings")
@login_required
def settings() -> ResponseReturnValue:
    return _settings_page(_settings_form(current_user), PasswordForm(formdata=None), DeleteAccountForm(formdata=None))


@bp.post("/settings")
@login_required
def save_settings() -> ResponseReturnValue:
    form = SettingsForm()
    if not form.validate():
        return _settings_page(form, PasswordForm(formdata=None), DeleteAccountForm(formdata=None), 422)
    try:
        accounts.update_settings(db.session(), current_user.id, form.to_settings(current_user.settings), _now())
    except accounts.AccountError as error:
        _show_error(form, error, {})
        return _settings_page(form, PasswordForm(formdata=None), DeleteAccountForm(formdata=None), 422)
    flash("Settings saved.", "success")
    return redirect(url_for("auth.settings"))


@bp.post("/settings/password")
@login_required
def change_password() -> ResponseReturnValue:
    form = PasswordForm()
    if form.validate():
        try:
            accounts.change_password(
                db.session(),
                current_user.id,
                form.current_password.data,
                form.new_password.data,
                current_user.session_token,
                _now(),
            )
        except accounts.AccountError as error:
            _show_error(form, error, {Reason.WRONG_PASSWORD: "current_password", Reason.WEAK_PASSWORD: "new_password"})
        else:
            flash("Password changed. Your other sessions have been logged out.", "success")
            return redirect(url_for("auth.settings"))
    return _settings_page(_settings_form(current_user), form, DeleteAccountForm(formdata=None), 422)


@bp.post("/settings/delete")
@login_required
def delete_account() -> ResponseReturnValue:
    form = DeleteAccountForm()
    if form.validate():
        try:
            accounts.delete_account(db.session(), current_user.id, form.password.data)
        except accounts.AccountError as error:
            _show_error(form, error, {Reason.WRONG_PASSWORD: "password"})
        else:
            logout_user()
            session.clear()
            flash("Your account and all its data have been deleted.", "info")
            return redirect(url_for("glossary.home"))
    return _settings_page(_settings_form(current_user), PasswordForm(formdata=None), form, 422)
