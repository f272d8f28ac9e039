"""Terraform expressions evaluated locally: the small subset queue definitions use.

Written by hand on purpose: python-hcl2 parses HCL but evaluates nothing, no Python library
evaluates Terraform expressions, and the Terraform binary needs the AWS provider (a download) even
for `validate`. So this module evaluates literals, strings with interpolation, `var.`/`local.`/
`module.` references, a queue's `name`/`arn`/`url`/`id`, a few functions (`jsonencode`,
`tostring`, `tonumber`, …), objects, tuples, operators and conditionals — and refuses anything
else with a clear error instead of guessing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from hcl2.rules.abstract import LarkElement, LarkRule, LarkToken
from hcl2.rules.containers import (
    ObjectElemKeyExpressionRule,
    ObjectElemKeyRule,
    ObjectRule,
    TupleRule,
)
from hcl2.rules.expressions import (
    BinaryOpRule,
    ConditionalRule,
    ExpressionRule,
    ExprTermRule,
    UnaryOpRule,
)
from hcl2.rules.functions import FunctionCallRule
from hcl2.rules.indexing import (
    GetAttrExprTermRule,
    IndexExprTermRule,
    ShortIndexRule,
    SqbIndexRule,
)
from hcl2.rules.literal_rules import FloatLitRule, IdentifierRule, IntLitRule, LiteralValueRule
from hcl2.rules.strings import InterpolationRule, StringRule

from labkit.errors import LabError
from labkit.terraform.reading import Block, Module, line_of, literal_text, load_module

#: The account id used in planned ARNs/URLs (the one AWS documentation and local emulators use).
PLANNED_ACCOUNT = "000000000000"

#: Attributes of a queue this module can plan without AWS.
QUEUE_REFERENCE_ATTRIBUTES = frozenset({"name", "arn", "url", "id"})

#: Arguments of a `module` block that are Terraform's own, not the child's input variables.
MODULE_META_ARGUMENTS = frozenset(
    {"source", "version", "providers", "depends_on", "count", "for_each"}
)

#: Python errors an operation raises on values of the wrong kind (`"a" * 2`, `tonumber("x")`).
_VALUE_ERRORS = (TypeError, ValueError, KeyError, IndexError, ZeroDivisionError, AttributeError)


class Unsupported(LabError):
    """An expression outside the subset this evaluator understands."""


# ---------------------------------------------------------------------------------------------
# References: `var.x`, `aws_sqs_queue.q.arn`, `local.m["k"].v` as a root and its steps
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GetAttr:
    """`.name` in a reference."""

    name: str


@dataclass(frozen=True)
class GetIndex:
    """`[expression]` or `.0` in a reference."""

    key: ExpressionRule | int


Step = GetAttr | GetIndex


def _unwrap(node: LarkElement) -> LarkElement:
    """The expression inside a non-parenthesised `ExprTermRule` (python-hcl2 wraps every term)."""
    while isinstance(node, ExprTermRule) and not node.parentheses:
        node = node.expression
    return node


def traversal(node: LarkElement) -> tuple[LarkElement, list[Step]] | None:
    """Flatten `a.b[0].c` into its base (`a`) and its steps, or None if it is no traversal."""
    steps: list[Step] = []
    node = _unwrap(node)
    while isinstance(node, GetAttrExprTermRule | IndexExprTermRule):
        if isinstance(node, GetAttrExprTermRule):
            steps.append(GetAttr(str(node.get_attr.identifier.token.value)))
            node = _unwrap(node.expr_term)
            continue
        base, index = node.children
        if isinstance(index, ShortIndexRule):
            steps.append(GetIndex(int(str(index.index.value))))
        elif isinstance(index, SqbIndexRule):
            steps.append(GetIndex(index.index_expression))
        else:
            return None
        node = _unwrap(base)
    if not steps:
        return None
    steps.reverse()
    return node, steps


def root_name(node: LarkElement) -> str | None:
    """The name of a bare identifier term (`var` in `var.x`, `number` in `type = number`)."""
    inner = _unwrap(node)
    return str(inner.token.value) if isinstance(inner, IdentifierRule) else None


# ---------------------------------------------------------------------------------------------
# Values: Terraform's conversions, functions and operators on plain Python values
# ---------------------------------------------------------------------------------------------


def number(value: Any) -> int | float:
    """A Terraform number as Python keeps it: an int when it is whole."""
    result = float(value)
    return int(result) if result.is_integer() else result


def to_string(value: Any) -> str:
    """A primitive value as Terraform writes it into a string (`true`, `20`, `1.5`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value is None or isinstance(value, dict | list):
        raise Unsupported(f"cannot use {value!r} as a string")
    return str(value)


def _to_bool(value: Any) -> bool:
    return value if isinstance(value, bool) else {"true": True, "false": False}[value]


def _format(template: str, *args: Any) -> str:
    return re.sub(r"%[sd]", "{}", template).format(*args)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "jsonencode": lambda value: json.dumps(value, separators=(",", ":"), sort_keys=True),
    "jsondecode": json.loads,
    "tostring": to_string,
    "tonumber": number,
    "tobool": _to_bool,
    "lower": str.lower,
    "upper": str.upper,
    "min": min,
    "max": max,
    "format": _format,
}

OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: number(a) + number(b),
    "-": lambda a, b: number(a) - number(b),
    "*": lambda a, b: number(a) * number(b),
    "/": lambda a, b: number(a) / number(b),
    "%": lambda a, b: number(a) % number(b),
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: number(a) < number(b),
    ">": lambda a, b: number(a) > number(b),
    "<=": lambda a, b: number(a) <= number(b),
    ">=": lambda a, b: number(a) >= number(b),
    "&&": lambda a, b: a and b,
    "||": lambda a, b: a or b,
}

_KEYWORDS: dict[str, bool | None] = {"true": True, "false": False, "null": None}


def convert(value: Any, block: Block) -> Any:
    """A value given as text (`--var x=3`) converted to the variable's declared primitive type."""
    declared = block.attributes().get("type")
    kind = root_name(declared) if declared is not None else None
    if not isinstance(value, str) or kind not in ("number", "bool"):
        return value
    try:
        return number(value) if kind == "number" else _to_bool(value)
    except (KeyError, ValueError):
        raise LabError(f"variable {block.labels[0]!r} must be a {kind}, got {value!r}") from None


# ---------------------------------------------------------------------------------------------
# The evaluator
# ---------------------------------------------------------------------------------------------

#: Answers `type.name.attribute` for a declared resource: (evaluator, type, name, attribute).
ResourceValue = Callable[["Evaluator", str, str, str], Any]


@dataclass
class Evaluator:
    """Evaluates expressions of one module, given the values of its input variables.

    `resource_value(evaluator, type, name, attribute)` answers resource references; the default
    plans queue names/ARNs/URLs from the configuration itself.
    """

    module: Module
    inputs: Mapping[str, Any]
    region: str = "us-east-1"
    resource_value: ResourceValue | None = None
    _locals: dict[str, Any] = field(default_factory=dict)
    _busy: set[str] = field(default_factory=set)
    _children: dict[str, Evaluator] = field(default_factory=dict)

    def where(self, block: Block | None) -> str:
        prefix = f"{self.module.address}: " if self.module.address else ""
        return f"{prefix}{block.where()}: " if block else prefix

    # -- references ------------------------------------------------------------------------
    def variable(self, name: str) -> Any:
        block = self.module.named("variable").get((name,))
        if name in self.inputs:
            value = self.inputs[name]
            return convert(value, block) if block is not None else value
        if block is None:
            raise LabError(f"{self.where(None)}var.{name} is not declared")
        default = block.attributes().get("default")
        if default is None:
            raise LabError(
                f"{self.where(block)}variable {name!r} has no default",
                hint=f"give it a value (variables={{'{name}': ...}})",
            )
        return self.evaluate(default)

    def local(self, name: str) -> Any:
        if name in self._locals:
            return self._locals[name]
        found = self.module.locals().get(name)
        if found is None:
            raise LabError(f"{self.where(None)}local.{name} is not declared")
        expression, block = found
        if name in self._busy:
            raise LabError(f"{self.where(block)}local.{name} refers to itself")
        self._busy.add(name)
        try:
            value = self.evaluate(expression)
        finally:
            self._busy.discard(name)
        self._locals[name] = value
        return value

    def child(self, name: str) -> Evaluator:
        """The evaluator of local module `name`, its inputs evaluated here (made once)."""
        if name in self._children:
            return self._children[name]
        block = self.module.named("module").get((name,))
        if block is None:
            raise LabError(f"{self.where(None)}module.{name} is not declared")
        directory = self.module.child_directory(block)
        if directory is None:
            raise Unsupported(f"{self.where(block)}module {name!r} is not a local module")
        address = f"{self.module.address}.module.{name}".lstrip(".")
        inputs = {
            key: self.evaluate(expression)
            for key, expression in block.attributes().items()
            if key not in MODULE_META_ARGUMENTS
        }
        child = Evaluator(load_module(directory, address), inputs, self.region, self.resource_value)
        self._children[name] = child
        return child

    def output(self, name: str) -> Any:
        block = self.module.named("output").get((name,))
        if block is None:
            raise LabError(f"{self.where(None)}output {name!r} is not declared")
        value = block.attributes().get("value")
        if value is None:
            raise LabError(f"{self.where(block)}output {name!r} has no value")
        return self.evaluate(value)

    def resource(self, type_: str, name: str, attribute: str) -> Any:
        block = self.module.named("resource").get((type_, name))
        if block is None:
            raise LabError(f"{self.where(None)}{type_}.{name} is not declared")
        if self.resource_value is not None:
            return self.resource_value(self, type_, name, attribute)
        return self.planned(type_, name, attribute)

    def planned(self, type_: str, name: str, attribute: str) -> Any:
        """What a queue's name/arn/url will be, computed from its declared name."""
        if type_ != "aws_sqs_queue" or attribute not in QUEUE_REFERENCE_ATTRIBUTES:
            raise Unsupported(f"{self.where(None)}cannot plan {type_}.{name}.{attribute} locally")
        block = self.module.named("resource")[(type_, name)]
        declared = block.attributes().get("name")
        if declared is None:
            raise Unsupported(f"{self.where(block)}{type_}.{name} has no name to plan from")
        queue = self.evaluate(declared)
        if attribute == "name":
            return queue
        if attribute == "arn":
            return f"arn:aws:sqs:{self.region}:{PLANNED_ACCOUNT}:{queue}"
        return f"https://sqs.{self.region}.amazonaws.com/{PLANNED_ACCOUNT}/{queue}"

    def reference(self, root: str, steps: list[Step]) -> Any:
        names = [step.name for step in steps if isinstance(step, GetAttr)]
        if len(names) != len(steps):
            raise Unsupported(f"{self.where(None)}indexing ({root}[...]) is not supported here")
        if root == "var" and names:
            return self.variable(names[0])
        if root == "local" and names:
            return self.local(names[0])
        if root == "module" and len(names) >= 2:
            return self.child(names[0]).output(names[1])
        if len(names) == 2 and "_" in root:
            return self.resource(root, names[0], names[1])
        path = ".".join([root, *names])
        raise Unsupported(f"{self.where(None)}cannot evaluate {path} locally")

    # -- expressions -----------------------------------------------------------------------
    def evaluate(self, node: LarkElement) -> Any:
        """The value of an expression; anything outside the subset raises `Unsupported`."""
        if isinstance(node, ExprTermRule):
            return self._term(node)
        if isinstance(node, IntLitRule):
            return int(str(node.token.value))
        if isinstance(node, FloatLitRule):
            return float(str(node.token.value))
        if isinstance(node, LiteralValueRule):
            return _KEYWORDS[str(node.token.value)]
        if isinstance(node, StringRule):
            return self._string(node)
        if isinstance(node, TupleRule):
            return [self.evaluate(element) for element in node.elements]
        if isinstance(node, ObjectRule):
            return self._object(node)
        if isinstance(node, FunctionCallRule):
            return self._call(node)
        if isinstance(node, GetAttrExprTermRule | IndexExprTermRule):
            return self._traverse(node)
        if isinstance(node, ConditionalRule):
            chosen = node.if_true if self.evaluate(node.condition) else node.if_false
            return self.evaluate(chosen)
        if isinstance(node, BinaryOpRule):
            return self._binary(node)
        if isinstance(node, UnaryOpRule):
            return self._unary(node)
        what = node.lark_name().replace("_", " ") if isinstance(node, LarkRule) else repr(node)
        raise Unsupported(f"{self.at(node)}{what} expressions are not supported")

    def at(self, node: LarkElement) -> str:
        """`module.x: main.tf:12: `, the prefix of an error about this expression."""
        block = self.module.block_holding(node)
        line = line_of(node) if isinstance(node, LarkRule) else "?"
        prefix = f"{self.module.address}: " if self.module.address else ""
        return f"{prefix}{block.file.name if block else '?'}:{line}: "

    def _failed(self, node: LarkRule, what: str, exc: Exception) -> LabError:
        return LabError(f"{self.at(node)}{what}: {str(exc) or type(exc).__name__}")

    def _term(self, node: ExprTermRule) -> Any:
        name = root_name(node)
        if name is not None:
            raise Unsupported(f"{self.at(node)}bare name {name!r}")
        return self.evaluate(node.expression)

    def _string(self, node: StringRule) -> str:
        out: list[str] = []
        for part in node.string_parts:
            content = part.content
            if isinstance(content, LarkToken):
                out.append(literal_text(content))
            elif isinstance(content, InterpolationRule):
                out.append(to_string(self.evaluate(content.expression)))
            else:
                raise Unsupported(f"{self.at(node)}template directives are not supported")
        return "".join(out)

    def _object(self, node: ObjectRule) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for element in node.elements:
            # hcl2 annotates `key` as ObjectElemKeyRule, but a `(expression)` key arrives as
            # ObjectElemKeyExpressionRule: widen it so both branches below are checked.
            key_rule = cast("ObjectElemKeyRule | ObjectElemKeyExpressionRule", element.key)
            if isinstance(key_rule, ObjectElemKeyRule) and isinstance(
                key_rule.value, IdentifierRule
            ):
                key = str(key_rule.value.token.value)  # `{ name = … }`: a bare name is the key
            elif isinstance(key_rule, ObjectElemKeyRule | ObjectElemKeyExpressionRule):
                key_expression = (
                    key_rule.value
                    if isinstance(key_rule, ObjectElemKeyRule)
                    else key_rule.expression
                )
                key = to_string(self.evaluate(key_expression))
            else:
                raise Unsupported(f"{self.at(element)}this object key is not supported")
            result[key] = self.evaluate(element.expression)
        return result

    def _call(self, node: FunctionCallRule) -> Any:
        name = "::".join(str(identifier.token.value) for identifier in node.identifiers)
        function = FUNCTIONS.get(name)
        if function is None:
            raise Unsupported(f"{self.at(node)}function {name}() is not supported locally")
        arguments = node.arguments
        values = [self.evaluate(a) for a in arguments.arguments] if arguments is not None else []
        if arguments is not None and arguments.has_ellipsis:
            if not values or not isinstance(values[-1], list):
                raise LabError(f"{self.at(node)}{name}(...): only a list can be expanded")
            values = [*values[:-1], *values[-1]]
        try:
            return function(*values)
        except _VALUE_ERRORS as exc:
            raise self._failed(node, f"{name}()", exc) from None

    def _traverse(self, node: GetAttrExprTermRule | IndexExprTermRule) -> Any:
        found = traversal(node)
        if found is None:
            raise Unsupported(f"{self.at(node)}this traversal is not supported")
        base, steps = found
        root = root_name(base)
        if root is not None:
            return self.reference(root, steps)
        value = self.evaluate(base)
        for step in steps:
            key = step.name if isinstance(step, GetAttr) else self._key(step.key)
            try:
                value = value[key]
            except _VALUE_ERRORS as exc:
                raise self._failed(node, "cannot index", exc) from None
        return value

    def _key(self, key: ExpressionRule | int) -> Any:
        return key if isinstance(key, int) else self.evaluate(key)

    def _binary(self, node: BinaryOpRule) -> Any:
        operator = str(node.binary_term.binary_operator.token.value).strip()
        left = self.evaluate(node.expr_term)
        right = self.evaluate(node.binary_term.expr_term)
        try:
            return OPERATORS[operator](left, right)
        except _VALUE_ERRORS as exc:
            raise self._failed(node, f"operator {operator}", exc) from None

    def _unary(self, node: UnaryOpRule) -> Any:
        value = self.evaluate(node.expr_term)
        if node.operator.strip() == "!":
            return not value
        try:
            return -number(value)
        except _VALUE_ERRORS as exc:
            raise self._failed(node, "operator -", exc) from None
