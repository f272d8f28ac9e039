"""What `terraform validate` would catch about references, checked without Terraform.

The Terraform binary needs the AWS provider (a download) even for `validate`, so the tests use
this instead: every `var.`/`local.`/`module.`/`data.`/resource reference in a configuration and
its local modules must point at something declared, and every module call must fit the module's
variables and outputs. It walks python-hcl2's typed rule tree (no rule-name strings).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import takewhile
from pathlib import Path

from hcl2.rules.abstract import LarkElement, LarkRule
from hcl2.rules.containers import ObjectElemKeyRule
from hcl2.rules.for_expressions import ForObjectExprRule, ForTupleExprRule
from hcl2.rules.functions import FunctionCallRule
from hcl2.rules.indexing import GetAttrExprTermRule, IndexExprTermRule
from hcl2.rules.literal_rules import IdentifierRule

from labkit.terraform.evaluating import (
    MODULE_META_ARGUMENTS,
    GetAttr,
    GetIndex,
    root_name,
    traversal,
)
from labkit.terraform.reading import Block, Module, line_of, load_module

#: Reference roots Terraform defines itself.
BUILTIN_ROOTS = frozenset({"count", "each", "self", "path", "terraform"})


@dataclass(frozen=True)
class Reference:
    """`root.names…` somewhere in a file (`var.x` is root "var", names ("x",))."""

    root: str
    names: tuple[str, ...]  # the attribute names after the root, up to the first index
    file: Path
    line: int


def _references(
    node: LarkElement | None, bound: frozenset[str]
) -> Iterator[tuple[str, tuple[str, ...], int]]:
    """Every traversal in an expression (`var.x`, `aws_sqs_queue.q.arn`, …) but for-loop names."""
    if not isinstance(node, LarkRule):
        return
    if isinstance(node, GetAttrExprTermRule | IndexExprTermRule):
        found = traversal(node)
        assert found is not None
        base, steps = found
        root = root_name(base)
        if root is None:
            yield from _references(base, bound)
        elif root not in bound:
            attrs = takewhile(lambda step: isinstance(step, GetAttr), steps)
            yield (
                root,
                tuple(step.name for step in attrs if isinstance(step, GetAttr)),
                line_of(node),
            )
        for step in steps:
            if isinstance(step, GetIndex) and not isinstance(step.key, int):
                yield from _references(step.key, bound)
        return
    name = root_name(node)
    if name is not None:
        if name not in bound:
            yield name, (), line_of(node)
        return
    if isinstance(node, ForTupleExprRule | ForObjectExprRule):
        intro = node.for_intro
        yield from _references(intro.iterable, bound)
        names = {str(intro.first_iterator.token.value)}
        if intro.second_iterator is not None:
            names.add(str(intro.second_iterator.token.value))
        inner = bound | names
        if isinstance(node, ForObjectExprRule):
            yield from _references(node.key_expr, inner)
        yield from _references(node.value_expr, inner)
        yield from _references(node.condition, inner)
        return
    if isinstance(node, ObjectElemKeyRule):
        if not isinstance(node.value, IdentifierRule):  # a bare name key is not a reference
            yield from _references(node.value, bound)
        return
    if isinstance(node, FunctionCallRule):
        yield from _references(node.arguments, bound)  # the function's name is not a reference
        return
    for child in node.children:
        yield from _references(child, bound)


def references(module: Module) -> list[Reference]:
    """Every reference in the module's attributes (variable `type` constraints excluded)."""
    found: list[Reference] = []

    def walk(block: Block, skip_type: bool, bound: frozenset[str]) -> None:
        for name, expression in block.attributes().items():
            if skip_type and name == "type":
                continue
            for root, names, line in _references(expression, bound):
                found.append(Reference(root, names, block.file, line))
        for inner in block.blocks():
            is_dynamic = inner.kind == "dynamic" and inner.labels
            walk(inner, False, bound | {inner.labels[0]} if is_dynamic else bound)

    for block in module.blocks:
        walk(block, block.kind == "variable", frozenset())
    return found


def problems(directory: str | Path, _seen: set[Path] | None = None) -> list[str]:
    """Unresolved references and module wiring mistakes in a configuration and its local modules."""
    module = load_module(directory)
    seen = _seen if _seen is not None else set()
    if module.directory in seen:
        return []
    seen.add(module.directory)
    found: list[str] = []
    declared = {
        kind: module.named(kind) for kind in ("variable", "resource", "data", "module", "output")
    }
    local_names = set(module.locals())
    children: dict[str, Module] = {}
    for (name,), block in declared["module"].items():
        child_dir = module.child_directory(block)
        if child_dir is None:
            continue
        if not child_dir.is_dir():
            found.append(f"{block.file}:{block.line}: module {name}: no directory {child_dir}")
            continue
        child = load_module(child_dir)
        children[name] = child
        found.extend(problems(child_dir, seen))
        inputs = set(block.attributes()) - MODULE_META_ARGUMENTS
        child_vars = child.named("variable")
        for extra in sorted(inputs - {k[0] for k in child_vars}):
            found.append(f"{block.file}:{block.line}: module {name} has no variable {extra!r}")
        for (var_name,), var_block in child_vars.items():
            if "default" not in var_block.attributes() and var_name not in inputs:
                found.append(f"{block.file}:{block.line}: module {name} needs {var_name!r}")
    for ref in references(module):
        found.extend(_unresolved(ref, declared, local_names, children))
    return found


def _unresolved(
    ref: Reference,
    declared: dict[str, dict[tuple[str, ...], Block]],
    local_names: set[str],
    children: dict[str, Module],
) -> list[str]:
    """What is wrong with one reference (nothing if it resolves)."""
    where = f"{ref.file}:{ref.line}"
    root, names = ref.root, ref.names
    if root in BUILTIN_ROOTS:
        return []
    if root == "var":
        if not names or (names[0],) not in declared["variable"]:
            return [f"{where}: var.{'.'.join(names)} is not declared"]
    elif root == "local":
        if not names or names[0] not in local_names:
            return [f"{where}: local.{'.'.join(names)} is not declared"]
    elif root == "module":
        if not names or (names[0],) not in declared["module"]:
            return [f"{where}: module.{'.'.join(names[:1])} is not declared"]
        child = children.get(names[0])
        if child is not None and len(names) > 1 and (names[1],) not in child.named("output"):
            return [f"{where}: module.{names[0]} has no output {names[1]!r}"]
    elif root == "data":
        if len(names) < 2 or (names[0], names[1]) not in declared["data"]:
            return [f"{where}: data.{'.'.join(names[:2])} is not declared"]
    elif "_" in root and names:
        if (root, names[0]) not in declared["resource"]:
            return [f"{where}: {root}.{names[0]} is not declared"]
    else:
        return [f"{where}: unknown name {'.'.join((root, *names))!r}"]
    return []
