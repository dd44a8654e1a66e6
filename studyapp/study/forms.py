"""Forms of the review page: every one posts with a CSRF token, with or without htmx.

CSRFProtect checks that token on every POST before a view runs, so these forms do not check it
a second time (their Meta turns WTForms' own CSRF field off).
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional

# Ids and versions fit a 32-bit integer column; larger numbers are refused here, not by the database.
ID_RANGE = NumberRange(min=1, max=2**31 - 1)
# Milliseconds since 1970, up to the year 3000: anything later is not a time a card was shown.
TIME_RANGE = NumberRange(min=0, max=32_503_680_000_000)


class _Checked(FlaskForm):
    class Meta:
        csrf = False  # checked once, by CSRFProtect, for the whole app


class _ShownCard(_Checked):
    """The card as the page showed it: which question, at which version, since when."""

    question_id = IntegerField(validators=[InputRequired(), ID_RANGE])
    card_id = IntegerField(validators=[Optional(), ID_RANGE])
    version = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=2**31 - 1)])
    shown_at = IntegerField(validators=[InputRequired(), TIME_RANGE])


class AnswerForm(_ShownCard):
    token = HiddenField(validators=[InputRequired(), Length(min=16, max=64)])
    rating = IntegerField(validators=[InputRequired(message="Choose Again, Hard, Good or Easy."), AnyOf([1, 2, 3, 4])])


class CheckForm(_ShownCard):
    """A typed answer to a fill-in-the-blank card, to be graded and shown (never stored).

    What was typed is the grader's to judge (core.grading: length, control characters), so the
    learner gets its message; blank means "just show me the answer".
    """

    typed = StringField(default="")


class CardActionForm(_Checked):
    """Bury, suspend or unsuspend one card, named by its question."""

    question_id = IntegerField(validators=[InputRequired(), ID_RANGE])


class MoreForm(_Checked):
    """Study beyond today's limits from the done screen."""

    what = StringField(validators=[InputRequired(), AnyOf(["new", "ahead"])])
