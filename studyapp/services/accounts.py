"""Accounts: registration, password checks, throttled login, server-side sessions, settings.

Passwords follow OWASP ASVS: at least 8 characters, any Unicode, long passphrases welcome, no
composition rules, the 30,000 most common passwords refused. They are hashed with Argon2id
(by default argon2-cffi's RFC 9106 profile: 3 passes over 64 MiB; `set_password_cost` takes the
app's configured cost, which the test profile sets cheap). A login session is a row holding the hash
of a random token that the cookie carries, so logging out or changing the password ends sessions
on the server, not only in one browser.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studyapp.core import usernames
from studyapp.core.settings import COLUMN_NAMES, LearnerSettings
from studyapp.models import LoginFailure, LoginSession, User
from studyapp.services.prepared import Prepared
from studyapp.services.transaction import writing

MIN_PASSWORD, MAX_PASSWORD = 8, 1024
THROTTLE_WINDOW = timedelta(minutes=15)
ACCOUNT_FAILURES, ADDRESS_FAILURES = 5, 20
_hasher = PasswordHasher()


def set_password_cost(time_cost: int, memory_kib: int, parallelism: int) -> None:
    """Hash new passwords at this Argon2id cost (existing hashes verify at their own, and are rehashed at login)."""
    global _hasher
    if (_hasher.time_cost, _hasher.memory_cost, _hasher.parallelism) != (time_cost, memory_kib, parallelism):
        _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
        _dummy_hash.cache_clear()


class Reason(enum.Enum):
    """Why an account request was refused; the view decides which form field shows it."""

    USERNAME_TAKEN = "username_taken"
    WEAK_PASSWORD = "weak_password"  # noqa: S105 (a reason, not a password)
    WRONG_PASSWORD = "wrong_password"  # noqa: S105
    ACCOUNT_GONE = "account_gone"


class AccountError(Exception):
    """A request about an account that cannot be honoured, with a message for the learner."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class Throttled(Exception):
    """Too many failed logins for this account or address; try again after `retry_after`."""

    def __init__(self, retry_after: timedelta) -> None:
        super().__init__("too many failed logins")
        self.retry_after = retry_after


@cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def username_key(username: str) -> str:
    """The one lookup key of a name, at sign-up and at login (see core.usernames)."""
    return usernames.key(username)


def password_problem(password: str, username: str = "") -> str | None:
    """Why a new password is not acceptable, or None."""
    length = len(unicodedata.normalize("NFKC", password))
    if length < MIN_PASSWORD:
        return f"Use at least {MIN_PASSWORD} characters; a few words together make a strong, memorable password."
    if length > MAX_PASSWORD:
        return f"Use at most {MAX_PASSWORD} characters."
    lowered = password.casefold()
    if lowered in _common_passwords():
        return "That password is one of the most common ones and easy to guess; choose another."
    if username and lowered == username_key(username):
        return "Your password must not be your username."
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    # Verified against when the account does not exist, so both cases take the same time.
    return _hasher.hash(secrets.token_hex(16))


def register(
    session: Session, username: str, email: str | None, password: str, now: datetime, *, timezone: str = "UTC"
) -> User:
    """A new account; `timezone` (a zoneinfo name the caller checked) places its study day."""
    key = username_key(username)
    problem = password_problem(password, username)
    if problem:
        raise AccountError(Reason.WEAK_PASSWORD, problem)
    user = User(
        username=username.strip(),
        username_key=key,
        email=(email or "").strip() or None,
        password_hash=hash_password(password),
        timezone=timezone,
        created_at=now,
        updated_at=now,
    )
    try:
        with writing(session):
            session.add(user)
    except IntegrityError:
        raise AccountError(Reason.USERNAME_TAKEN, "That username is taken; choose another.") from None
    return user


def _throttle(session: Session, key: str, address: str, now: datetime, trusted_device: bool) -> None:
    since = now - THROTTLE_WINDOW
    by_account = select(func.count(), func.min(LoginFailure.failed_at)).where(
        LoginFailure.username_key == key, LoginFailure.failed_at > since
    )
    by_address = select(func.count(), func.min(LoginFailure.failed_at)).where(
        LoginFailure.address == address, LoginFailure.failed_at > since
    )
    checks = (
        [(by_address, ADDRESS_FAILURES)]
        if trusted_device
        else [(by_account, ACCOUNT_FAILURES), (by_address, ADDRESS_FAILURES)]
    )
    for statement, limit in checks:
        count, oldest = session.execute(statement).one()
        if count >= limit:
            raise Throttled(max(oldest + THROTTLE_WINDOW - now, timedelta(seconds=1)))


def authenticate(
    session: Session, username: str, password: str, address: str, now: datetime, *, trusted_device: bool = False
) -> User | None:
    """The user for these credentials, or None (same answer for an unknown user and a wrong password).

    Raises Throttled when this account or this client address failed too often recently. Failures
    are stored in the database, so the limit holds across every worker process. A `trusted_device`
    (a browser this account has logged in from before) skips the account's limit, so guessing from
    elsewhere cannot lock the owner out; the address limit still holds for it.
    """
    key = username_key(username)
    _throttle(session, key, address, now, trusted_device)
    user = session.scalars(select(User).where(User.username_key == key)).first()
    if user is not None and _verify(user.password_hash, password):
        rehashed = hash_password(password) if _hasher.check_needs_rehash(user.password_hash) else None
        with writing(session):  # hashing (tens of ms) is done before the lock is taken
            if rehashed is not None:
                user.password_hash = rehashed
            session.execute(delete(LoginFailure).where(LoginFailure.username_key == key))
        return user
    if user is None:
        _verify(_dummy_hash(), password)
    with writing(session):
        session.add(LoginFailure(username_key=key[:40], address=address[:64], failed_at=now))
    return None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SessionUser:
    """The logged-in user of a request, as Flask-Login's current_user: what pages and studying read.

    A value, not an ORM object: loading it is a single prepared statement on every request, and
    changing an account goes through the services below, which load the User they change.
    Flask-Login identifies a login by `get_id()`: the login session's token, so ending that
    session server-side logs out every copy of the cookie.
    """

    id: int
    username: str
    settings: LearnerSettings
    session_token: str

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return self.session_token


def start_session(session: Session, user: User, now: datetime) -> SessionUser:
    """A new login session for `user`: the SessionUser whose token the cookie keeps."""
    token = secrets.token_urlsafe(32)
    with writing(session):
        session.add(LoginSession(token_hash=_token_hash(token), user_id=user.id, created_at=now))
    return SessionUser(id=user.id, username=user.username, settings=user.settings, session_token=token)


# Runs on every request of a logged-in user: the User columns a SessionUser holds.
_SESSION_USER = Prepared(
    select(User.id, User.username, *(getattr(User, name) for name in COLUMN_NAMES))
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(LoginSession.token_hash == bindparam("token_hash"))
    .limit(1)
)


def session_user(session: Session, token: str) -> SessionUser | None:
    """The user a session token belongs to, if that session still exists (one query)."""
    row = _SESSION_USER.first(session.connection(), {"token_hash": _token_hash(token)})
    if row is None:
        return None
    return SessionUser(
        id=row.id, username=row.username, settings=LearnerSettings.from_columns(row._asdict()), session_token=token
    )


def end_session(session: Session, token: str) -> None:
    with writing(session):
        session.execute(delete(LoginSession).where(LoginSession.token_hash == _token_hash(token)))


def _user(session: Session, user_id: int) -> User:
    """The account a request changes; it may have been deleted (in another tab) since the request began."""
    user = session.get(User, user_id)
    if user is None:
        raise AccountError(Reason.ACCOUNT_GONE, "This account no longer exists.")
    return user


def change_password(session: Session, user_id: int, current: str, new: str, keep_token: str, now: datetime) -> None:
    """Change the password and end every other session of this user."""
    user = _user(session, user_id)
    if not _verify(user.password_hash, current):
        raise AccountError(Reason.WRONG_PASSWORD, "That is not your current password.")
    problem = password_problem(new, user.username)
    if problem:
        raise AccountError(Reason.WEAK_PASSWORD, problem)
    new_hash = hash_password(new)
    with writing(session):
        user.password_hash = new_hash
        user.updated_at = now
        session.execute(
            delete(LoginSession).where(
                LoginSession.user_id == user.id, LoginSession.token_hash != _token_hash(keep_token)
            )
        )


def delete_account(session: Session, user_id: int, password: str) -> None:
    """Delete the user and, through cascades, their sessions, cards and review history."""
    user = _user(session, user_id)
    if not _verify(user.password_hash, password):
        raise AccountError(Reason.WRONG_PASSWORD, "That is not your password.")
    with writing(session):
        session.delete(user)


def update_settings(session: Session, user_id: int, settings: LearnerSettings, now: datetime) -> None:
    """Save the learner's settings: every column of LearnerSettings, from one mapping."""
    with writing(session):
        user = _user(session, user_id)
        for name, value in settings.to_columns().items():
            setattr(user, name, value)
        user.updated_at = now
