"""The YAML loader of ``slabridge.yaml``: safe, YAML 1.2 booleans, and bounded against hostile
files (alias bombs, self-containing anchors, absurd nesting, integers Python will not parse)."""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.events import AliasEvent, CollectionStartEvent, ScalarEvent
from yaml.nodes import Node, ScalarNode

from slabridge.errors import InputError

# A real slabridge.yaml uses a handful of aliases and a dozen levels; these bounds are far above
# that and far below what makes a "billion laughs" file hang or the composer overflow the stack.
MAX_ALIASES = 100
MAX_EXPANDED_NODES = 20_000
MAX_DEPTH = 64
MAX_INT_DIGITS = 1000
_INTEGER = re.compile(r"[-+]?(0x[0-9a-fA-F_]+|0o?[0-7_]+|[0-9][0-9_]*)")


class YamlLimitError(InputError, yaml.YAMLError):
    """A file that is valid YAML but beyond what a config may be; ``path`` is its key path."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(problem)
        self.path = path
        self.problem = problem


def _step(path: str, index: Any) -> str:
    if isinstance(index, int):
        return f"{path}[{index}]"
    if isinstance(index, ScalarNode):
        key = str(index.value)
        return f"{path}.{key}" if path else key
    return path


class SlabridgeLoader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2's booleans (only true and false) and bounds.

    YAML 1.1 also reads yes/no/on/off as booleans, so Norway's country code `NO`, Ontario's
    subdivision `ON`, a region `no` or the key `on` of `escalate_priority` would arrive as
    true or false.
    """

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._aliases = 0
        self._expanded = 0  # nodes counted as if every alias were a copy of its anchor
        self._anchor_sizes: dict[str, int] = {}
        self._path: list[str] = [""]
        self._open_anchors: set[str] = set()

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        path = _step(self._path[-1], index)
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, AliasEvent):
            self._aliases += 1
            self._expanded += self._anchor_sizes.get(str(event.anchor), 1)
            if self._expanded > MAX_EXPANDED_NODES:
                raise YamlLimitError(
                    path,
                    f"aliases expand to more than {MAX_EXPANDED_NODES} values "
                    "(a 'billion laughs' file?): the file is refused",
                )
            if event.anchor in self._open_anchors:
                raise YamlLimitError(
                    path, f"the alias *{event.anchor} refers to a map or list that contains it"
                )
            if self._aliases > MAX_ALIASES:
                raise YamlLimitError(
                    path, f"more than {MAX_ALIASES} aliases (*name): the file is refused"
                )
        elif isinstance(event, ScalarEvent):
            value = event.value
            if event.implicit[0] and len(value) > MAX_INT_DIGITS and _INTEGER.fullmatch(value):
                raise YamlLimitError(path, f"an integer of {len(value)} digits is not a setting")
        elif isinstance(event, CollectionStartEvent) and len(self._path) > MAX_DEPTH:
            shown = path if len(path) <= 60 else path[:60] + "..."
            raise YamlLimitError(shown, f"nested more than {MAX_DEPTH} levels deep")
        anchor = getattr(event, "anchor", None) if not isinstance(event, AliasEvent) else None
        if not isinstance(event, AliasEvent):
            self._expanded += 1
        before = self._expanded
        self._path.append(path)
        if anchor is not None:
            self._open_anchors.add(anchor)
        try:
            node: Node | None = super().compose_node(parent, index)
        finally:
            self._path.pop()
            if anchor is not None:
                self._open_anchors.discard(anchor)
                self._anchor_sizes[anchor] = self._expanded - before + 1
        return node


SlabridgeLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
SlabridgeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


__all__ = ["MAX_ALIASES", "MAX_DEPTH", "MAX_EXPANDED_NODES", "SlabridgeLoader", "YamlLimitError"]
