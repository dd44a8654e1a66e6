"""Forms of the review page: every one posts with a CSRF token, with or without htmx."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional


class AnswerForm(FlaskForm):
    question_id = IntegerField(validators=[InputRequired()])
    card_id = IntegerField(validators=[Optional()])
    version = IntegerField(validators=[InputRequired(), NumberRange(min=0)])
    token = HiddenField(validators=[InputRequired(), Length(min=16, max=64)])
    shown_at = IntegerField(validators=[InputRequired(), NumberRange(min=0)])
    rating = IntegerField(validators=[InputRequired(message="Choose Again, Hard, Good or Easy."), AnyOf([1, 2, 3, 4])])


class CardActionForm(FlaskForm):
    """Bury, suspend or unsuspend one card, named by its question."""

    question_id = IntegerField(validators=[InputRequired()])
