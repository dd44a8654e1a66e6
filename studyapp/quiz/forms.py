"""Quiz forms: what a learner chooses before a quiz. Answers are read by the view (their shape
depends on the question) and graded by the service; CSRFProtect checks every POST."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, SelectMultipleField, widgets
from wtforms.validators import InputRequired

from studyapp.core import quiz as rules


class _Checked(FlaskForm):
    class Meta:
        csrf = False  # checked once, by CSRFProtect, for the whole app


class TestForm(_Checked):
    topics = SelectMultipleField(
        "Topics",
        validators=[InputRequired(message="Choose at least one topic.")],
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )
    length = RadioField(
        "Length",
        choices=[SelectChoice(str(n), f"{n} questions") for n in rules.LENGTHS],
        default="10",
        validators=[InputRequired(message="Choose a length.")],
    )
    formats = RadioField(
        "Format",
        choices=[SelectChoice(k, v) for k, v in rules.FORMAT_LABELS.items()],
        default="mixed",
        validators=[InputRequired(message="Choose a format.")],
    )


class ZoneForm(_Checked):
    """Learn and Match work on one zone."""

    topic = SelectField("Zone", validators=[InputRequired(message="Choose a zone.")])
