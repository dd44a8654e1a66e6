"""The glossary search form (a GET form: no CSRF token, bookmarkable URLs)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SearchField, SelectChoice, SelectField
from wtforms.validators import Length, Optional


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(
        "Search terms", validators=[Optional(), Length(max=100, message="Keep the search under 100 characters.")]
    )
    zone = SelectField("Zone", choices=[SelectChoice("", "All zones")], validate_choice=True, default="")
