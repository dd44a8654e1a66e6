"""The learner's settings: one frozen value, the study day it implies and the scheduler it asks for.

The account row stores these fields as columns of the same names, the session user carries one of
these, and the settings form maps it to and from its fields. Adding a setting means a field here,
a column on `models.User` (with its migration), and a field on `auth.forms.SettingsForm`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from studyapp.core import scheduling

RETENTION_RANGE = (0.70, 0.97)


@dataclass(frozen=True)
class LearnerSettings:
    """What studying needs to know about a learner (steps in seconds; parameters None = FSRS-6 defaults)."""

    desired_retention: float = 0.9
    new_per_day: int = 20
    reviews_per_day: int = 200
    learning_steps: tuple[int, ...] = (60, 600)
    relearning_steps: tuple[int, ...] = (600,)
    maximum_interval: int = 36500
    fsrs_parameters: tuple[float, ...] | None = None
    timezone: str = "UTC"
    day_start_hour: int = 4
    daily_goal_minutes: int = 10  # the home page's "minutes today" target

    @classmethod
    def from_columns(cls, values: Mapping[str, Any]) -> LearnerSettings:
        """From the account's columns (JSON lists become tuples); other keys are ignored."""
        picked = {f.name: values[f.name] for f in fields(cls) if f.name in values}
        for name in ("learning_steps", "relearning_steps", "fsrs_parameters"):
            if picked.get(name) is not None:
                picked[name] = tuple(picked[name])
        return cls(**picked)

    def to_columns(self) -> dict[str, Any]:
        """The account's columns (tuples as the JSON lists the columns hold)."""
        columns = asdict(self)
        for name in ("learning_steps", "relearning_steps", "fsrs_parameters"):
            if columns[name] is not None:
                columns[name] = list(columns[name])
        return columns

    def scheduler(self, fuzz: bool = True) -> scheduling.Settings:
        return scheduling.Settings(
            fuzz=fuzz,
            desired_retention=self.desired_retention,
            learning_steps=self.learning_steps,
            relearning_steps=self.relearning_steps,
            maximum_interval=self.maximum_interval,
            parameters=self.fsrs_parameters,
        )

    def study_day(self, now: datetime) -> tuple[datetime, datetime]:
        """The learner's current study day as [start, end) in UTC."""
        return scheduling.study_day(now, self.timezone, self.day_start_hour)


COLUMN_NAMES = tuple(f.name for f in fields(LearnerSettings))
