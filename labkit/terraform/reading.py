"""A directory of `.tf` files as Terraform sees it: blocks with labels, attributes and a location.

python-hcl2 parses each file into typed rules (`BlockRule`, `AttributeRule`, `StringRule`, …) but
knows nothing of Terraform: that a directory is one module, that `resource "t" "n"` is addressed by
its labels, that a module's `source` is a literal path. This module adds exactly that, and keeps
each block's file and line so every error can say where it comes from.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

import hcl2
from hcl2.rules.abstract import LarkElement, LarkRule, LarkToken
from hcl2.rules.base import AttributeRule, BlockRule, BodyRule, StartRule
from hcl2.rules.expressions import ExpressionRule, ExprTermRule
from hcl2.rules.literal_rules import IdentifierRule
from hcl2.rules.strings import StringRule
from hcl2.utils import process_escape_sequences
from hcl2.walk import ancestors
from lark.exceptions import LarkError

from labkit.errors import LabError


@dataclass
class Block:
    """One block (`resource "aws_sqs_queue" "x" { ... }`) and where it is."""

    kind: str
    labels: tuple[str, ...]
    body: BodyRule
    file: Path
    line: int

    def attributes(self) -> dict[str, ExpressionRule]:
        """`name = expression` pairs of the body (nested blocks excluded)."""
        return {
            label_text(child.identifier): child.expression
            for child in self.body.children
            if isinstance(child, AttributeRule)
        }

    def blocks(self) -> list[Block]:
        """The nested blocks of the body (`required_providers` inside `terraform`, …)."""
        return [
            block_of(child, self.file)
            for child in self.body.children
            if isinstance(child, BlockRule)
        ]

    def where(self) -> str:
        return f"{self.file.name}:{self.line}"


@dataclass
class Module:
    """The `.tf` files of one directory: a root configuration or a local module."""

    directory: Path
    blocks: list[Block]
    address: str = ""  # "" for the root, "module.queues" for a child

    def of_kind(self, kind: str) -> list[Block]:
        return [b for b in self.blocks if b.kind == kind]

    def named(self, kind: str) -> dict[tuple[str, ...], Block]:
        return {b.labels: b for b in self.of_kind(kind)}

    def locals(self) -> dict[str, tuple[ExpressionRule, Block]]:
        """Every `locals` entry of the module, with the block that declares it."""
        found: dict[str, tuple[ExpressionRule, Block]] = {}
        for block in self.of_kind("locals"):
            for name, expression in block.attributes().items():
                found[name] = (expression, block)
        return found

    def block_holding(self, rule: LarkElement) -> Block | None:
        """The top-level block a rule sits in (found through python-hcl2's parent links)."""
        bodies = {id(block.body): block for block in self.blocks}
        for ancestor in ancestors(rule):
            block = bodies.get(id(ancestor))
            if block is not None:
                return block
        return None

    def child_directory(self, block: Block) -> Path | None:
        """The directory of a `module` block whose source is a local path (else None).

        Terraform requires `source` to be a literal string, so it is read, not evaluated.
        """
        source = block.attributes().get("source")
        value = literal_string(source) if source is not None else None
        if value is not None and value.startswith(("./", "../")):
            return (self.directory / value).resolve()
        return None


def line_of(rule: LarkRule) -> int:
    """The source line a rule starts on (python-hcl2 hands positions back through `to_lark`)."""
    return int(getattr(rule.to_lark().meta, "line", 0))


def literal_text(token: LarkToken) -> str:
    """What a literal part of a quoted string stands for: escapes resolved, `$${`/`%%{` undoubled."""
    raw = str(token.value)
    if raw.startswith(("$${", "%%{")):  # only the escaped-marker tokens can start this way
        raw = raw[1:]
    return process_escape_sequences(raw)


def literal_string(expression: LarkElement) -> str | None:
    """The value of a quoted string without interpolation or directives, else None."""
    if isinstance(expression, ExprTermRule) and not expression.parentheses:
        expression = expression.expression
    if not isinstance(expression, StringRule):
        return None
    contents = [part.content for part in expression.string_parts]
    if not all(isinstance(content, LarkToken) for content in contents):
        return None
    return "".join(literal_text(content) for content in contents)


def label_text(label: IdentifierRule | StringRule) -> str:
    """A block label or attribute name as plain text (`resource`, `"aws_sqs_queue"`)."""
    if isinstance(label, IdentifierRule):
        return str(label.token.value)
    text = literal_string(label)
    if text is None:
        raise LabError(f"line {line_of(label)}: a block label cannot hold an expression")
    return text


def block_of(rule: BlockRule, file: Path) -> Block:
    kind, *labels = (label_text(label) for label in rule.labels)
    return Block(kind, tuple(labels), rule.body, file, line_of(rule.labels[0]))


#: The directories `load_module` read while `recording_loads` is active (for `remembered`).
_LOADED: ContextVar[list[Path] | None] = ContextVar("terraform_loaded", default=None)


@contextlib.contextmanager
def recording_loads() -> Iterator[list[Path]]:
    """Collect every module directory loaded inside the block: what a result depended on."""
    loaded: list[Path] = []
    token = _LOADED.set(loaded)
    try:
        yield loaded
    finally:
        _LOADED.reset(token)


@functools.lru_cache(maxsize=128)
def _parse_text(text: str) -> StartRule:
    """Parsed once per distinct text: loading a module again (tests, child modules) is free."""
    return hcl2.parses(text)


def parse_file(path: Path) -> StartRule:
    """One file as python-hcl2's typed rule tree; unreadable or invalid HCL is a LabError.

    The tree may be shared with other callers that read the same text: read it, never change it.
    """
    try:
        return _parse_text(path.read_text(encoding="utf-8"))
    except (LarkError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LabError(f"{path}: not valid HCL ({first})") from None


def load_module(directory: str | Path, address: str = "") -> Module:
    """Parse every `*.tf` file of `directory` (not its sub-directories, like Terraform)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise LabError(
            f"no such directory: {directory}", hint="pass the folder holding the .tf files"
        )
    files = sorted(directory.glob("*.tf"))
    if (loaded := _LOADED.get()) is not None:
        loaded.append(directory.resolve())
    if not files:
        raise LabError(f"no .tf files in {directory}", hint="pass the folder holding the .tf files")
    blocks = [
        block_of(child, path)
        for path in files
        for child in parse_file(path).body.children
        if isinstance(child, BlockRule)
    ]
    return Module(directory.resolve(), blocks, address)
