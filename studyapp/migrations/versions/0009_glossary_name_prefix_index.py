"""glossary name prefixes from an index on SQLite: a trigram FTS5 table over term.search_names

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 19:50:00

Search's name-prefix tier matched `search_names LIKE '%|query%'` in its WHERE clause, which no
B-tree index serves: SQLite read every term for every search (1.7 ms at 10,000 terms, most of a
search that matches little). FTS5's trigram tokenizer answers that same LIKE from an index. It
must stay a LIKE on the raw names, not a word match: the porter stemmer indexes "Tokenization" as
"token", so a learner halfway through typing "tokenizati" matches it only by prefix.

`term_name_search` is an external-content FTS5 table (rowid = term.id, the text read from
term.search_names), kept in step by triggers like term_search (0006). PostgreSQL keeps its scan:
its GIN tsvector index serves the word tiers, and this tier is a scan of a few thousand short
strings there too (pg_trgm would be the analogue; it is an extension this app does not require).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_SQLITE_UPGRADE = [
    "CREATE VIRTUAL TABLE term_name_search USING fts5("
    "search_names, tokenize = 'trigram', content = 'term', content_rowid = 'id')",
    "INSERT INTO term_name_search (term_name_search) VALUES ('rebuild')",
    "CREATE TRIGGER term_name_search_insert AFTER INSERT ON term BEGIN "
    "INSERT INTO term_name_search (rowid, search_names) VALUES (new.id, new.search_names); END",
    "CREATE TRIGGER term_name_search_update AFTER UPDATE OF search_names ON term BEGIN "
    "INSERT INTO term_name_search (term_name_search, rowid, search_names) "
    "VALUES ('delete', old.id, old.search_names); "
    "INSERT INTO term_name_search (rowid, search_names) VALUES (new.id, new.search_names); END",
    "CREATE TRIGGER term_name_search_delete AFTER DELETE ON term BEGIN "
    "INSERT INTO term_name_search (term_name_search, rowid, search_names) "
    "VALUES ('delete', old.id, old.search_names); END",
]
_SQLITE_DOWNGRADE = [
    "DROP TRIGGER term_name_search_delete",
    "DROP TRIGGER term_name_search_update",
    "DROP TRIGGER term_name_search_insert",
    "DROP TABLE term_name_search",
]


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        for statement in _SQLITE_UPGRADE:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for statement in _SQLITE_DOWNGRADE:
            op.execute(statement)
