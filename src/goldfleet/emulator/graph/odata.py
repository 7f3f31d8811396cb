"""OData ``$filter`` for Microsoft Graph's directory collections: parsed, checked, evaluated.

What Graph's directory (Entra ID) accepts without advanced query parameters, on the properties
each collection declares filterable here: ``eq`` and ``in (...)`` on single values,
``startswith(prop,'x')``, ``coll/any(c:c eq 'x')`` and ``coll/any(c:startswith(c,'x'))``,
joined with ``and``/``or`` and parentheses. ``ne``, ``not`` and ``endswith`` are advanced
queries: Graph wants the ``ConsistencyLevel: eventual`` header and ``$count=true`` for them,
and so does the emulator. Strings compare case-insensitively, as the directory does.

Anything else (another property, another operator or function) is refused with Graph's
``Request_UnsupportedQuery``; a clause that does not parse is ``BadRequest`` "Invalid filter
clause". No HTTP here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from goldfleet.emulator.graph import errors

Predicate = Callable[[dict[str, Any]], bool]

_TOKEN = re.compile(r"\s*(?:('(?:[^']|'')*')|([(),:/])|([^\s(),:/']+))")


@dataclass(frozen=True)
class Entity:
    """A directory collection as ``$filter`` sees it."""

    resource: str  # Graph's resource name in messages: "ServicePrincipal", "User", ...
    odata_type: str  # "microsoft.graph.servicePrincipal"
    scalars: frozenset[str] = field(default_factory=frozenset)  # filterable single values
    collections: frozenset[str] = field(default_factory=frozenset)  # filterable with any()

    def scalar(self, name: str) -> str | None:
        return next((p for p in self.scalars if p.lower() == name.lower()), None)

    def collection(self, name: str) -> str | None:
        return next((p for p in self.collections if p.lower() == name.lower()), None)


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _equal(actual: Any, wanted: Any) -> bool:
    return bool(_fold(actual) == _fold(wanted))


def _starts(actual: Any, prefix: Any) -> bool:
    return (
        isinstance(actual, str)
        and isinstance(prefix, str)
        and actual.casefold().startswith(prefix.casefold())
    )


def _ends(actual: Any, suffix: Any) -> bool:
    return (
        isinstance(actual, str)
        and isinstance(suffix, str)
        and actual.casefold().endswith(suffix.casefold())
    )


class _Parser:
    def __init__(self, text: str, entity: Entity, advanced: bool) -> None:
        self.text = text
        self.entity = entity
        self.advanced = advanced
        self.tokens: list[tuple[str, str]] = []  # (kind, text): kind in string, punct, word
        position = 0
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None or match.end() == position:
                if text[position:].strip() == "":
                    break
                raise errors.invalid_filter(f"Syntax error at position {position} in '{text}'.")
            string, punct, word = match.groups()
            if string is not None:
                self.tokens.append(("string", string[1:-1].replace("''", "'")))
            elif punct is not None:
                self.tokens.append(("punct", punct))
            elif word is not None:
                self.tokens.append(("word", word))
            position = match.end()
        self.at = 0

    # --- tokens --------------------------------------------------------------------------------

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def _next(self) -> tuple[str, str]:
        token = self._peek()
        if token is None:
            raise errors.invalid_filter(f"Syntax error: unexpected end of '{self.text}'.")
        self.at += 1
        return token

    def _keyword(self, word: str) -> bool:
        token = self._peek()
        if token is not None and token[0] == "word" and token[1].lower() == word:
            self.at += 1
            return True
        return False

    def _expect(self, punct: str) -> None:
        kind, text = self._next()
        if kind != "punct" or text != punct:
            raise errors.invalid_filter(
                f"Syntax error: '{punct}' expected instead of '{text}' in '{self.text}'."
            )

    def _literal(self) -> Any:
        kind, text = self._next()
        if kind == "string":
            return text
        if kind == "word":
            low = text.lower()
            if low in ("true", "false"):
                return low == "true"
            if low == "null":
                return None
            if re.fullmatch(r"-?\d+", text):
                return int(text)
        raise errors.invalid_filter(f"Syntax error: a literal expected instead of '{text}'.")

    def _advanced_only(self, prop: str) -> None:
        if not self.advanced:
            raise errors.unsupported_filter_property(prop, self.entity.resource)

    # --- grammar -------------------------------------------------------------------------------

    def parse(self) -> Predicate:
        predicate = self._or()
        if self._peek() is not None:
            raise errors.invalid_filter(
                f"Syntax error: unexpected '{self._next()[1]}' in '{self.text}'."
            )
        return predicate

    def _or(self) -> Predicate:
        parts = [self._and()]
        while self._keyword("or"):
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else (lambda o: any(p(o) for p in parts))

    def _and(self) -> Predicate:
        parts = [self._unary()]
        while self._keyword("and"):
            parts.append(self._unary())
        return parts[0] if len(parts) == 1 else (lambda o: all(p(o) for p in parts))

    def _unary(self) -> Predicate:
        if self._keyword("not"):
            self._advanced_only("not")
            inner = self._unary()
            return lambda o: not inner(o)
        token = self._peek()
        if token == ("punct", "("):
            self._next()
            inner = self._or()
            self._expect(")")
            return inner
        return self._primary()

    def _primary(self) -> Predicate:
        kind, word = self._next()
        if kind != "word":
            raise errors.invalid_filter(f"Syntax error at '{word}' in '{self.text}'.")
        if word.lower() in ("startswith", "endswith") and self._peek() == ("punct", "("):
            return self._string_function(word.lower())
        if self._peek() == ("punct", "/"):
            return self._lambda(word)
        prop = self.entity.scalar(word)
        if prop is None:
            raise errors.unsupported_filter_property(word, self.entity.resource)
        kind, operator = self._next()
        operator = operator.lower()
        if operator == "in":
            self._expect("(")
            values = [self._literal()]
            while self._peek() == ("punct", ","):
                self._next()
                values.append(self._literal())
            self._expect(")")
            return lambda o: any(_equal(o.get(prop), v) for v in values)
        if operator == "eq":
            value = self._literal()
            return lambda o: _equal(o.get(prop), value)
        if operator == "ne":
            self._advanced_only(prop)
            value = self._literal()
            return lambda o: not _equal(o.get(prop), value)
        raise errors.unsupported_filter_property(prop, self.entity.resource)

    def _string_function(self, name: str) -> Predicate:
        self._expect("(")
        kind, word = self._next()
        prop = self.entity.scalar(word) if kind == "word" else None
        if prop is None:
            raise errors.unsupported_filter_property(word, self.entity.resource)
        self._expect(",")
        value = self._literal()
        self._expect(")")
        if name == "endswith":
            self._advanced_only(prop)
            return lambda o: _ends(o.get(prop), value)
        return lambda o: _starts(o.get(prop), value)

    def _lambda(self, word: str) -> Predicate:
        self._expect("/")
        _, function = self._next()
        prop = self.entity.collection(word)
        if prop is None or function.lower() != "any":
            raise errors.unsupported_filter_property(word, self.entity.resource)
        self._expect("(")
        _, variable = self._next()
        self._expect(":")
        kind, first = self._next()
        if kind == "word" and first.lower() == "startswith":
            self._expect("(")
            self._variable(variable)
            self._expect(",")
            value = self._literal()
            self._expect(")")
            test: Callable[[Any], bool] = lambda item: _starts(item, value)  # noqa: E731
        else:
            if first != variable:
                raise errors.invalid_filter(
                    f"Syntax error: '{variable}' expected instead of '{first}' in '{self.text}'."
                )
            _, operator = self._next()
            if operator.lower() != "eq":
                raise errors.unsupported_filter_property(prop, self.entity.resource)
            wanted = self._literal()
            test = lambda item: _equal(item, wanted)  # noqa: E731
        self._expect(")")
        return lambda o: any(test(item) for item in o.get(prop) or ())

    def _variable(self, variable: str) -> None:
        _, word = self._next()
        if word != variable:
            raise errors.invalid_filter(
                f"Syntax error: '{variable}' expected instead of '{word}' in '{self.text}'."
            )


def parse_filter(text: str, entity: Entity, advanced: bool = False) -> Predicate:
    """A predicate over Graph bodies for ``text``; raises GraphError as Graph answers."""
    if not text.strip():
        raise errors.invalid_filter("The filter is empty.")
    return _Parser(text, entity, advanced).parse()
