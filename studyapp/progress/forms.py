"""Forms of the progress pages: the card browser's filters (a GET form) and its card actions."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SearchField, SelectChoice, SelectField, StringField
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional

from studyapp.services.progress import BROWSER_SORTS, BROWSER_STATES, EXPORT_TABLES, BrowseQuery

SORT_LABELS = {
    "due": "Due date",
    "retrievability": "Recall now",
    "lapses": "Lapses",
    "item": "Term or key point",
    "zone": "Zone or article",
}


class _Unchecked(FlaskForm):
    class Meta:
        csrf = False  # GET forms change nothing; POSTs are checked once, by CSRFProtect


class BrowseForm(_Unchecked):
    """The card browser's filters, read from the query string; zone and article choices are set by the view."""

    q = SearchField("Search", validators=[Optional(), Length(max=100, message="Search for at most 100 characters.")])
    zone = SelectField("Zone", default="", validate_choice=True)
    article = SelectField("Article", default="", validate_choice=True)
    state = SelectField(
        "State",
        choices=[SelectChoice("", "Any state")] + [SelectChoice(s, s.capitalize()) for s in BROWSER_STATES],
        default="",
        validate_choice=True,
    )
    sort = SelectField(
        "Sort by", choices=[SelectChoice(k, v) for k, v in SORT_LABELS.items()], default="due", validate_choice=True
    )
    desc = BooleanField("Descending")
    page = IntegerField("Page", default=1, validators=[Optional(), NumberRange(min=1, max=100_000)])

    def set_topics(self, zones: list[tuple[str, str]], articles: list[tuple[str, str]]) -> None:
        self.zone.choices = [SelectChoice("", "All zones")] + [SelectChoice(slug, name) for slug, name in zones]
        self.article.choices = [SelectChoice("", "All articles")] + [SelectChoice(slug, t) for slug, t in articles]

    def to_query(self) -> BrowseQuery:
        return BrowseQuery(
            zone=self.zone.data or None,
            article=self.article.data or None,
            state=self.state.data or None,
            search=self.q.data or "",
            sort=self.sort.data if self.sort.data in BROWSER_SORTS else "due",
            descending=bool(self.desc.data),
            page=self.page.data or 1,
        )


class CardActionForm(_Unchecked):
    """Suspend, unsuspend or reset a card from the browser; `back` is the browser's query string."""

    action = StringField(validators=[InputRequired(), AnyOf(["suspend", "unsuspend", "reset"])])
    back = StringField(validators=[Optional(), Length(max=500)])


class ExportForm(_Unchecked):
    table = SelectField(
        "Table", choices=[SelectChoice(t, t) for t in EXPORT_TABLES], default="reviews", validate_choice=True
    )
