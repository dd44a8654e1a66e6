"""The glossary search form (a GET form: no CSRF token, bookmarkable URLs)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Field, SearchField, SelectChoice, SelectField, ValidationError
from wtforms.validators import Length, Optional

from studyapp.core.glossary_search import cleaned

MAX_QUERY = 100


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(
        "Search terms",
        validators=[Optional(), Length(max=MAX_QUERY, message=f"Keep the search under {MAX_QUERY} characters.")],
    )
    # The view fills the choices with the live zones; validate_zone names an unknown one.
    zone = SelectField("Zone", choices=[SelectChoice("", "All zones")], validate_choice=False, default="")

    def validate_zone(self, field: Field) -> None:
        if field.data and field.data not in {choice.value for choice in field.choices}:
            shown = cleaned(field.data)
            shown = shown if len(shown) <= 40 else shown[:40] + "…"
            raise ValidationError(f"There is no zone called “{shown}”: choose one from the list, or all zones.")
