"""Composing YAML parser events into PyYAML's node tree without recursion, within the limits of
``goldfleet.config.limits``: nesting depth and the number of values a file expands to.

PyYAML's own composers recurse once per level (in Python, or in C for libyaml's), so a file of
ten thousand ``[`` overflows a stack; and they share an anchored node with every alias to it, so a
few hundred bytes of aliases expand to billions of values in whatever walks the data afterwards.
This composer keeps an explicit stack, and knows for every anchored node how many values it
stands for and how deep it goes (computed once, when the node ends), so an alias costs one
addition however often it is used. A recursive alias (``&a [*a]``) is refused as well: nothing
downstream can walk a value that contains itself.

It builds nodes only; resolving tags to Python values stays with the constructor.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from goldfleet.config.limits import MAX_DEPTH, MAX_VALUES

Mark = Any  # PyYAML's yaml.Mark, or libyaml's yaml._yaml.Mark: both have line and column


class LimitExceeded(Exception):
    """A file goes beyond a limit; ``mark`` is where (the value or alias that crossed it)."""

    def __init__(self, mark: Mark, message: str) -> None:
        super().__init__(message)
        self.mark = mark
        self.message = message


@dataclass(frozen=True)
class _Anchored:
    node: yaml.Node
    values: int | None  # None while the anchored node is still open (an alias to it recurses)
    height: int  # levels of lists and mappings, the node's own included (0 for a scalar)


@dataclass
class _Open:
    """A list or mapping whose end event has not come yet."""

    node: yaml.SequenceNode | yaml.MappingNode
    anchor: str | None
    values_before: int  # the file's count before this node
    is_mapping: bool
    height: int = 0  # of the tallest child so far
    key: yaml.Node | None = None  # a mapping's key waiting for its value


@dataclass
class Composer:
    """Composes the documents of one file; counts values across all of them."""

    loader: Any  # a PyYAML parser and resolver (CParser or Parser, with Resolver)
    values: int = 0
    anchors: dict[str, _Anchored] = field(default_factory=dict)

    def documents(self) -> Iterator[yaml.Node]:
        """Yield the root node of each document, in order (an empty document is a null scalar)."""
        self.loader.get_event()  # StreamStartEvent
        while not self.loader.check_event(yaml.StreamEndEvent):
            self.loader.get_event()  # DocumentStartEvent
            self.anchors = {}  # anchors are local to a document
            node = self._compose()
            self.loader.get_event()  # DocumentEndEvent
            yield node
        self.loader.get_event()  # StreamEndEvent

    def _compose(self) -> yaml.Node:
        stack: list[_Open] = []
        get_event = self.loader.get_event
        while True:
            event = get_event()
            kind = type(event)
            if kind is yaml.ScalarEvent:  # the most frequent event first
                node: yaml.Node = self._scalar(event)
                height = 0
            elif kind is yaml.SequenceStartEvent or kind is yaml.MappingStartEvent:
                stack.append(self._open(event, len(stack)))
                continue
            elif kind is yaml.AliasEvent:
                node, height = self._alias(event, len(stack))
            else:  # SequenceEndEvent or MappingEndEvent
                done = stack.pop()
                node = done.node
                node.end_mark = event.end_mark
                height = done.height + 1
                if done.anchor is not None:
                    values = self.values - done.values_before
                    self.anchors[done.anchor] = _Anchored(node, values, height)
            if not stack:
                return node
            parent = stack[-1]
            parent.height = max(parent.height, height)
            if not parent.is_mapping:
                parent.node.value.append(node)
            elif parent.key is None:
                parent.key = node
            else:
                parent.node.value.append((parent.key, node))
                parent.key = None

    def _scalar(self, event: Any) -> yaml.ScalarNode:
        self._check_anchor(event)
        self._count(1, event.start_mark)
        tag = self._tag(yaml.ScalarNode, event.tag, event.value, event.implicit)
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        if event.anchor is not None:
            self.anchors[event.anchor] = _Anchored(node, 1, 0)
        return node

    def _open(self, event: Any, depth: int) -> _Open:
        if depth + 1 > MAX_DEPTH:
            raise LimitExceeded(
                event.start_mark,
                f"nested more than {MAX_DEPTH} levels deep (lists and mappings)",
            )
        self._check_anchor(event)
        before = self.values
        self._count(1, event.start_mark)
        start: Mark = event.start_mark
        kind = yaml.SequenceNode if isinstance(event, yaml.SequenceStartEvent) else yaml.MappingNode
        tag = self._tag(kind, event.tag, None, event.implicit)
        node = kind(tag, [], start, None, flow_style=event.flow_style)
        if event.anchor is not None:
            self.anchors[event.anchor] = _Anchored(node, None, 0)
        return _Open(node, event.anchor, before, kind is yaml.MappingNode)

    def _alias(self, event: Any, depth: int) -> tuple[yaml.Node, int]:
        anchor = event.anchor
        target = self.anchors.get(anchor) if anchor is not None else None
        if target is None:
            raise yaml.composer.ComposerError(
                None, None, f"found undefined alias {anchor!r}", event.start_mark
            )
        if target.values is None:
            raise LimitExceeded(
                event.start_mark,
                f"the alias *{anchor} is inside the value it refers to (a recursive alias)",
            )
        if depth + target.height > MAX_DEPTH:
            raise LimitExceeded(
                event.start_mark,
                f"nested more than {MAX_DEPTH} levels deep (lists and mappings, YAML aliases"
                " followed)",
            )
        self._count(target.values, event.start_mark, alias=True)
        return target.node, target.height

    def _count(self, values: int, mark: Mark, *, alias: bool = False) -> None:
        self.values += values
        if self.values > MAX_VALUES:
            if alias:
                message = f"the file expands to more than {MAX_VALUES} values (YAML aliases)"
            else:
                message = f"the file has more than {MAX_VALUES} values; split it into several"
            raise LimitExceeded(mark, message)

    def _check_anchor(self, event: Any) -> None:
        first = self.anchors.get(event.anchor) if event.anchor is not None else None
        if first is not None:
            raise yaml.composer.ComposerError(
                f"found duplicate anchor {event.anchor!r}; first occurrence",
                first.node.start_mark,
                "second occurrence",
                event.start_mark,
            )

    def _tag(self, kind: type[yaml.Node], tag: str | None, value: Any, implicit: Any) -> str:
        if tag is None or tag == "!":
            resolved: str = self.loader.resolve(kind, value, implicit)
            return resolved
        return tag
