"""Account forms. Password rules live in services.accounts; these check presence and shape."""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import replace
from decimal import Decimal
from functools import cache
from pathlib import Path

from flask_wtf import FlaskForm
from wtforms import DecimalField, EmailField, HiddenField, IntegerField, PasswordField, StringField
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from studyapp.core import usernames
from studyapp.core.settings import COLUMN_NAMES, RETENTION_RANGE, LearnerSettings

_STEP = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_steps(text: str) -> tuple[int, ...]:
    """'1m 10m' -> (60, 600). Raises ValueError with a message a learner can act on."""
    steps = []
    for part in text.split():
        match = _STEP.match(part.lower())
        if not match:
            raise ValueError(f"“{part}” is not a step; write steps like 1m 10m or 30s 1h.")
        seconds = round(float(match.group(1)) * _UNIT_SECONDS[match.group(2)])
        if not 1 <= seconds < 86400:
            raise ValueError(f"Each step must be between 1 second and 1 day; “{part}” is not.")
        steps.append(seconds)
    if len(steps) > 10:
        raise ValueError("Use at most 10 steps.")
    return tuple(steps)


def format_steps(steps: tuple[int, ...]) -> str:
    parts = []
    for seconds in steps:
        for unit in ("h", "m", "s"):
            size = _UNIT_SECONDS[unit]
            if seconds % size == 0:
                parts.append(f"{seconds // size}{unit}")
                break
    return " ".join(parts)


@cache
def _zones_by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in zoneinfo.available_timezones()}


# Where the suggestions are not listed (no zone.tab), these areas hold the zones people live in.
_AREAS = ("Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/", "Europe/", "Indian/", "Pacific/")


@cache
def timezone_names() -> tuple[str, ...]:
    """The zones the settings page suggests: tzdata's zones by country (zone.tab) and UTC.

    zone.tab names a zone in every country (Europe/Bratislava as well as Europe/Prague), so a learner
    finds their capital. Any zoneinfo name is accepted; the suggestions leave out the old aliases
    (US/Eastern, Asia/Calcutta) and the Etc/GMT+N zones, 180 more entries on every settings page.
    """
    for directory in zoneinfo.TZPATH:
        table = Path(directory) / "zone.tab"
        if table.is_file():
            lines = table.read_text().splitlines()
            names = {line.split("\t")[2] for line in lines if line and not line.startswith("#")}
            break
    else:
        names = {name for name in zoneinfo.available_timezones() if name.startswith(_AREAS)}
    return tuple(sorted((names & zoneinfo.available_timezones()) | {"UTC"}))


def known_timezone(text: str | None) -> str | None:
    """The zoneinfo name `text` spells (any case, spaces for underscores), or None."""
    if not text:
        return None
    return _zones_by_folded_name().get(text.strip().replace(" ", "_").casefold())


def _normalised_username(value: str | None) -> str | None:
    return usernames.normalise(value) if value else value


class RegisterForm(FlaskForm):
    username = StringField(
        "Username", filters=[_normalised_username], validators=[DataRequired(message="Choose a username.")]
    )
    email = EmailField(
        "Email (optional)", validators=[Optional(), Email(message="That is not an email address."), Length(max=254)]
    )
    password = PasswordField("Password", validators=[InputRequired(message="Choose a password.")])
    # Filled in by static/js/app.js from the browser; empty without JavaScript.
    timezone = HiddenField()

    def validate_username(self, field: StringField) -> None:
        problem = usernames.problem(field.data or "")
        if problem:
            raise ValidationError(problem)


class LoginForm(FlaskForm):
    username = StringField(
        "Username",
        filters=[_normalised_username],
        validators=[DataRequired(message="Enter your username."), Length(max=40)],
    )
    password = PasswordField("Password", validators=[InputRequired(message="Enter your password."), Length(max=1024)])


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[InputRequired(message="Enter your current password.")]
    )
    new_password = PasswordField("New password", validators=[InputRequired(message="Choose a new password.")])


class DeleteAccountForm(FlaskForm):
    password = PasswordField("Your password", validators=[InputRequired(message="Enter your password to confirm.")])


class SettingsForm(FlaskForm):
    """The learner's study settings: each field is named after the LearnerSettings field it edits."""

    desired_retention = DecimalField(
        "Desired retention",
        places=2,
        validators=[
            InputRequired(message="Enter a desired retention."),
            # Decimals against Decimals: Decimal("0.97") is larger than the float 0.97.
            NumberRange(
                min=Decimal(str(RETENTION_RANGE[0])),
                max=Decimal(str(RETENTION_RANGE[1])),
                message=f"Choose a retention between {RETENTION_RANGE[0]:.2f} and {RETENTION_RANGE[1]:.2f}.",
            ),
        ],
    )
    new_per_day = IntegerField(
        "New cards per day",
        validators=[InputRequired(message="Enter a number."), NumberRange(min=0, max=9999, message="Use 0 to 9999.")],
    )
    reviews_per_day = IntegerField(
        "Maximum reviews per day",
        validators=[InputRequired(message="Enter a number."), NumberRange(min=0, max=99999, message="Use 0 to 99999.")],
    )
    learning_steps = StringField("Learning steps", validators=[Length(max=100)])
    relearning_steps = StringField("Relearning steps", validators=[Length(max=100)])
    timezone = StringField(
        "Time zone",
        validators=[InputRequired(message="Enter a time zone, e.g. Europe/Prague."), Length(max=64)],
    )
    day_start_hour = IntegerField(
        "New day starts at (hour)",
        validators=[
            InputRequired(message="Enter an hour."),
            NumberRange(min=0, max=23, message="Use an hour from 0 to 23."),
        ],
    )

    daily_goal_minutes = IntegerField(
        "Daily goal (minutes)",
        # Optional: a form without the field (an older page) keeps the current goal.
        validators=[Optional(), NumberRange(min=1, max=600, message="Use 1 to 600.")],
    )

    def validate_timezone(self, field: StringField) -> None:
        name = known_timezone(field.data)
        if name is None:
            raise ValidationError(
                f"“{field.data}” is not a time zone we know. Type a region or city, e.g. Europe/Prague or "
                "America/New_York, and pick it from the list."
            )
        field.data = name

    def validate_learning_steps(self, field: StringField) -> None:
        try:
            parse_steps(field.data or "")
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    validate_relearning_steps = validate_learning_steps

    @classmethod
    def from_settings(cls, settings: LearnerSettings) -> SettingsForm:
        """The form filled in from a learner's settings (not from the request)."""
        data = {name: getattr(settings, name) for name in COLUMN_NAMES if name in cls.__dict__}
        data["desired_retention"] = Decimal(str(settings.desired_retention))
        data["learning_steps"] = format_steps(settings.learning_steps)
        data["relearning_steps"] = format_steps(settings.relearning_steps)
        return cls(formdata=None, data=data)

    def to_settings(self, current: LearnerSettings) -> LearnerSettings:
        """The validated form's values over the learner's current settings (fields it lacks are kept)."""
        values = {name: self[name].data for name in COLUMN_NAMES if name in self}
        values["desired_retention"] = float(self.desired_retention.data)
        values["learning_steps"] = parse_steps(self.learning_steps.data or "")
        values["relearning_steps"] = parse_steps(self.relearning_steps.data or "")
        if values.get("daily_goal_minutes") is None:
            values.pop("daily_goal_minutes", None)
        return replace(current, **values)
