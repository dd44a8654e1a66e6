"""glossary full-text search: an FTS5 table on SQLite, a weighted tsvector with a GIN index on PostgreSQL

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 23:00:00

Search matched LIKE '%word%' on a lower-cased copy of names and definition, so "agents" missed
"AI Agent" and "rag" matched "fragment". Each database now indexes a term's words with its own
stemmer, in three parts that search ranks apart: name and acronym, aliases, definition.

- SQLite: the FTS5 table `term_search` (porter over unicode61), one row per term with rowid =
  term.id, kept in step with `term` by triggers, so every writer (the content import, a bench
  filling the table) keeps it right without knowing about it.
- PostgreSQL: `term.search_vector`, a generated column weighting the parts A, B and C, with a GIN
  index; the database recomputes it whenever a row changes.
- Both also index the name alone between two marker words (FTS5 column whole_name, weight D), so
  "the query is the name, stemmed" is one phrase match: "embeddings" ranks Embedding first.

`search_text` (the LIKE copy) goes; `search_names` now holds only name and acronym (aliases rank
apart), recomputed here with SQL's lower() and exactly by the next content import, whose content
hashes change with it. `zone.source_note` takes the notes about what of the source could be read
out of the zone intros (the import fills it). An index on term.updated_at lets search read the
latest change to the terms, which tells it whether its cached names for "did you mean" are current.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# The whole name between two marker words, so that "the query is the name" (in any stemmed form:
# "embeddings" is the name "Embedding") is a phrase match from marker to marker. The markers must
# be those of studyapp.core.glossary_search (NAME_START, NAME_END).
_MARKED_NAME = "'qxnamestartqx ' || {row}.name || ' qxnameendqx'"
_FTS_ROW = (
    "{row}.name || ' ' || coalesce({row}.acronym, ''), "
    "coalesce((SELECT group_concat(value, ' ') FROM json_each({row}.aliases)), ''), "
    "{row}.definition, "
    + _MARKED_NAME
)
_FTS_COLUMNS = "rowid, names, aliases, definition, whole_name"
_SQLITE_UPGRADE = [
    "CREATE VIRTUAL TABLE term_search USING fts5("
    "names, aliases, definition, whole_name, tokenize = 'porter unicode61 remove_diacritics 2')",
    f"INSERT INTO term_search ({_FTS_COLUMNS}) SELECT term.id, {_FTS_ROW.format(row='term')} FROM term",
    "CREATE TRIGGER term_search_insert AFTER INSERT ON term BEGIN "
    f"INSERT INTO term_search ({_FTS_COLUMNS}) VALUES (new.id, {_FTS_ROW.format(row='new')}); END",
    "CREATE TRIGGER term_search_update AFTER UPDATE OF name, acronym, aliases, definition ON term BEGIN "
    "DELETE FROM term_search WHERE rowid = old.id; "
    f"INSERT INTO term_search ({_FTS_COLUMNS}) VALUES (new.id, {_FTS_ROW.format(row='new')}); END",
    "CREATE TRIGGER term_search_delete AFTER DELETE ON term BEGIN DELETE FROM term_search WHERE rowid = old.id; END",
]
_SQLITE_DOWNGRADE = [
    "DROP TRIGGER term_search_delete",
    "DROP TRIGGER term_search_update",
    "DROP TRIGGER term_search_insert",
    "DROP TABLE term_search",
]
_POSTGRES_UPGRADE = [
    "ALTER TABLE term ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english'::regconfig, name || ' ' || coalesce(acronym, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, aliases), 'B') || "
    "setweight(to_tsvector('english'::regconfig, definition), 'C') || "
    f"setweight(to_tsvector('english'::regconfig, {_MARKED_NAME.format(row='term')}), 'D')) STORED",
    "CREATE INDEX ix_term_search_vector ON term USING gin (search_vector)",
]
_POSTGRES_DOWNGRADE = ["DROP INDEX ix_term_search_vector", "ALTER TABLE term DROP COLUMN search_vector"]


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column('zone', sa.Column('source_note', sa.Text(), nullable=False, server_default=''))
    op.create_index('ix_term_updated_at', 'term', ['updated_at'], unique=False)
    # Both backends drop a plain column in place (SQLite since 3.35); a batch table rebuild would
    # have to drop `term`, which the foreign keys of questions and relations forbid.
    op.execute("ALTER TABLE term DROP COLUMN search_text")
    op.execute(
        "UPDATE term SET search_names = '|' || lower(name) || coalesce('|' || lower(acronym), '') || '|'"
    )
    for statement in _SQLITE_UPGRADE if sqlite else _POSTGRES_UPGRADE:
        op.execute(statement)


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in _SQLITE_DOWNGRADE if sqlite else _POSTGRES_DOWNGRADE:
        op.execute(statement)
    # Aliases are back in search_names after the next import (0004's code hashes it with them).
    op.add_column('term', sa.Column('search_text', sa.Text(), nullable=False, server_default=''))
    op.execute("UPDATE term SET search_text = search_names || ' ' || lower(definition)")
    op.execute("ALTER TABLE zone DROP COLUMN source_note")
    op.drop_index('ix_term_updated_at', table_name='term')
