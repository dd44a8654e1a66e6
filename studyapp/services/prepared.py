"""Statements of the review hot path, compiled once per dialect and run on the DB-API cursor.

An answer and the next card take five statements. Through `Connection.execute` each one costs 40
to 85 µs of Python on top of the database's own work (the compiled-cache lookup, an execution
context, result metadata, row objects): more than a tenth of the answer step. A `Prepared`
statement keeps the parts of SQLAlchemy that matter here, the SQL it compiles for the dialect and
its bind and result type processing (UTC datetimes on SQLite, JSON), and skips the rest:

- it runs on the connection of the caller's session, so it is part of the session's transaction;
- it fires the engine's before/after_cursor_execute events, so statement counts still see it;
- driver errors are raised as SQLAlchemy's exceptions (an IntegrityError is still one).

Rows are named tuples of the result columns' keys.

What it gives up, against `Connection.execute`: SQLAlchemy's `handle_error` hooks and its
disconnect invalidation do not run for these statements (a dropped PostgreSQL connection is left
to the pool's reset and pre-ping), execution options are ignored, and it reads compiler attributes
outside SQLAlchemy's documented API, which tests/services/test_prepared.py pins so that a minor
upgrade fails loudly. A ruff rule (TID251) keeps it to the hot-path query modules.

For the benchmark only: with STUDYAPP_PLAIN_EXECUTE=1 in the environment when this module is
imported, every Prepared statement runs through plain `Connection.execute` instead (the statement
built once per dialect, SQLAlchemy's own compiled cache and Row objects), so `bench.study` can
serve the same code both ways side by side and show what the prepared path saves. Nothing else
sets it.
"""

from __future__ import annotations

import os
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.expression import Delete, Insert, Select, Update

Statement = Select[*tuple[Any, ...]] | Insert | Update | Delete
Processor = Callable[[Any], Any]

# Read once: the bench's switch to plain `Connection.execute` (see the module docstring).
PLAIN_EXECUTE = os.environ.get("STUDYAPP_PLAIN_EXECUTE", "") == "1"


@dataclass(frozen=True)
class _Compiled:
    sql: str
    positions: tuple[str, ...] | None  # parameter names in order, for positional paramstyles
    fixed: dict[str, Any]  # values the statement carries itself (literals, LIMIT 1)
    required: frozenset[str]  # names the caller must pass
    bind: tuple[tuple[str, Processor], ...]
    row: Callable[..., Any] | None  # None: the statement returns no rows
    types: tuple[Any, ...]  # the result columns' SQLAlchemy types


class Prepared:
    """A Core statement (or a builder of one per dialect name) run without per-call compilation.

    An INSERT or UPDATE names the columns it sets in `columns`; their parameters carry the
    columns' names.
    """

    def __init__(self, statement: Statement | Callable[[str], Statement], columns: Sequence[str] = ()) -> None:
        self._statement = statement
        self._columns = list(columns)
        self._compiled: dict[str, _Compiled] = {}
        self._built: dict[str, Statement] = {}  # for PLAIN_EXECUTE: the statement of each dialect
        # Result processors depend on the column types the driver reports: made at the first fetch.
        self._results: dict[str, tuple[Processor | None, ...]] = {}

    def _for(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _compile(self._statement, self._columns, dialect)
        return compiled

    def _execute(self, connection: Connection, params: Mapping[str, Any]) -> tuple[_Compiled, Any]:
        prepared = self._for(connection.dialect)
        missing = prepared.required.difference(params)
        if missing:
            raise exc.ArgumentError(f"missing parameters {sorted(missing)} for: {prepared.sql}")
        values = {**prepared.fixed, **params}
        for name, process in prepared.bind:
            values[name] = process(values[name])
        args: Any = values if prepared.positions is None else tuple(values[name] for name in prepared.positions)
        cursor = connection.connection.cursor()
        dispatch = connection.dispatch
        dispatch.before_cursor_execute(connection, cursor, prepared.sql, args, None, False)
        try:
            cursor.execute(prepared.sql, args)
        except connection.dialect.loaded_dbapi.Error as error:
            cursor.close()
            raise exc.DBAPIError.instance(
                prepared.sql, args, error, connection.dialect.loaded_dbapi.Error, dialect=connection.dialect
            ) from error
        dispatch.after_cursor_execute(connection, cursor, prepared.sql, args, None, False)
        return prepared, cursor

    def _processors(self, connection: Connection, prepared: _Compiled, cursor: Any) -> tuple[Processor | None, ...]:
        dialect = connection.dialect
        result = self._results.get(dialect.name)
        if result is None:
            result = self._results[dialect.name] = tuple(
                type_.dialect_impl(dialect).result_processor(dialect, column[1])
                for type_, column in zip(prepared.types, cursor.description, strict=True)
            )
        return result

    def _plain(self, connection: Connection, params: Mapping[str, Any]) -> Any:
        name = connection.dialect.name
        statement = self._built.get(name)
        if statement is None:
            built = self._statement
            statement = self._built[name] = (
                built if isinstance(built, Select | Insert | Update | Delete) else built(name)
            )
        return connection.execute(statement, dict(params))

    def first(self, connection: Connection, params: Mapping[str, Any]) -> Any:
        """The first row (a named tuple), or None."""
        if PLAIN_EXECUTE:
            return self._plain(connection, params).first()
        prepared, cursor = self._execute(connection, params)
        try:
            raw = cursor.fetchone()
            if raw is None or prepared.row is None:
                return None
            result = self._processors(connection, prepared, cursor)
        finally:
            cursor.close()
        return prepared.row(*(value if p is None else p(value) for p, value in zip(result, raw, strict=True)))

    def all(self, connection: Connection, params: Mapping[str, Any]) -> list[Any]:
        """Every row (named tuples)."""
        if PLAIN_EXECUTE:
            return list(self._plain(connection, params).all())
        prepared, cursor = self._execute(connection, params)
        try:
            raws = cursor.fetchall()
            if not raws or prepared.row is None:
                return []
            result = self._processors(connection, prepared, cursor)
        finally:
            cursor.close()
        row = prepared.row
        return [row(*(v if p is None else p(v) for p, v in zip(result, raw, strict=True))) for raw in raws]

    def scalar(self, connection: Connection, params: Mapping[str, Any]) -> Any:
        """The first column of the first row, or None."""
        if PLAIN_EXECUTE:
            return self._plain(connection, params).scalar()
        row = self.first(connection, params)
        return None if row is None else row[0]

    def rowcount(self, connection: Connection, params: Mapping[str, Any]) -> int:
        """Run a statement that returns no rows; the number of rows it changed."""
        if PLAIN_EXECUTE:
            return int(self._plain(connection, params).rowcount)
        _, cursor = self._execute(connection, params)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()


def _compile(statement: Statement | Callable[[str], Statement], columns: list[str], dialect: Dialect) -> _Compiled:
    if not isinstance(statement, Select | Insert | Update | Delete):
        statement = statement(dialect.name)
    compiled = statement.compile(dialect=dialect, column_keys=columns or None)
    if compiled.literal_execute_params or compiled.post_compile_params or compiled.escaped_bind_names:
        raise ValueError(f"cannot prepare a statement with expanding or escaped parameters: {compiled}")
    defaulted = [*compiled.insert_prefetch, *compiled.update_prefetch]
    if defaulted:  # SQLAlchemy computes these per execution; a prepared statement would send NULL
        names = ", ".join(column.key for column in defaulted)
        raise ValueError(f"give these columns a value, their defaults are computed in Python: {names}")
    fixed = {name: bind.effective_value for name, bind in compiled.binds.items() if not bind.required}
    required = frozenset(name for name, bind in compiled.binds.items() if bind.required)
    bind = tuple(
        (name, process)
        for name, parameter in compiled.binds.items()
        if (process := parameter.type.dialect_impl(dialect).bind_processor(dialect)) is not None
    )
    returned: list[tuple[str, Any]]
    if isinstance(statement, Select):
        returned = [(c["name"], c["type"]) for c in statement.column_descriptions]
    else:
        returned = [(c["name"], c["type"]) for c in statement.returning_column_descriptions]
    row = namedtuple("Row", [name for name, _ in returned]) if returned else None
    types = tuple(type_ for _, type_ in returned)
    positions = tuple(compiled.positiontup) if compiled.positiontup is not None else None
    return _Compiled(compiled.string, positions, fixed, required, bind, row, types)
