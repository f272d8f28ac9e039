"""The lab's Terraform files as the single source of its queues: read, check, apply locally.

`labkit queues apply terraform/` creates the `aws_sqs_queue` resources declared there (following
local modules) on the local SQS service, so the queues behave the same locally and on AWS.

Written by hand on purpose: python-hcl2 parses HCL but evaluates nothing, no Python library
evaluates Terraform expressions, and the Terraform binary needs the AWS provider (a download) even
for `validate`. So this module evaluates the small subset queue definitions use — literals,
strings with interpolation, `var.`/`local.`/`module.` references, queue `name`/`arn`/`url`/`id`,
`jsonencode`/`tostring`/`tonumber`, objects, tuples, operators and conditionals — and refuses
anything else with a clear error instead of guessing. `problems()` checks that every reference in
every file points at something declared, which is what tests use in place of `terraform validate`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2
from lark import Token, Tree
from lark.exceptions import LarkError

from labkit.errors import LabError

#: The account id used in planned ARNs/URLs (the one AWS documentation and local emulators use).
PLANNED_ACCOUNT = "000000000000"

#: aws_sqs_queue arguments -> SQS queue attribute names (all values are strings on the wire).
QUEUE_ATTRIBUTES: dict[str, str] = {
    "fifo_queue": "FifoQueue",
    "content_based_deduplication": "ContentBasedDeduplication",
    "visibility_timeout_seconds": "VisibilityTimeout",
    "message_retention_seconds": "MessageRetentionPeriod",
    "delay_seconds": "DelaySeconds",
    "max_message_size": "MaximumMessageSize",
    "receive_wait_time_seconds": "ReceiveMessageWaitTimeSeconds",
    "redrive_policy": "RedrivePolicy",
    "deduplication_scope": "DeduplicationScope",
    "fifo_throughput_limit": "FifoThroughputLimit",
}

#: Arguments that only matter on AWS (encryption, access policy, tags, timeouts): not applied locally.
AWS_ONLY_ARGUMENTS = frozenset(
    {
        "tags",
        "policy",
        "kms_master_key_id",
        "kms_data_key_reuse_period_seconds",
        "sqs_managed_sse_enabled",
        "redrive_allow_policy",
        "depends_on",
        "lifecycle",
        "provider",
        "region",
        "timeouts",
    }
)

#: Reference roots Terraform defines itself.
BUILTIN_ROOTS = frozenset({"count", "each", "self", "path", "terraform"})

#: Attributes of a queue this module can plan without AWS.
QUEUE_REFERENCE_ATTRIBUTES = frozenset({"name", "arn", "url", "id"})


# ---------------------------------------------------------------------------------------------
# Reading a configuration directory
# ---------------------------------------------------------------------------------------------


@dataclass
class Block:
    """One top-level block (`resource "aws_sqs_queue" "x" { ... }`) and where it is."""

    kind: str
    labels: tuple[str, ...]
    body: Tree
    file: Path
    line: int

    def attributes(self) -> dict[str, Tree]:
        return body_attributes(self.body)

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

    def locals(self) -> dict[str, tuple[Tree, Block]]:
        found: dict[str, tuple[Tree, Block]] = {}
        for block in self.of_kind("locals"):
            for name, expr in block.attributes().items():
                found[name] = (expr, block)
        return found

    def child_directory(self, block: Block) -> Path | None:
        """The directory of a `module` block whose source is a local path (else None)."""
        source = block.attributes().get("source")
        if source is None:
            return None
        value = Evaluator(self, {}).evaluate(source)
        if isinstance(value, str) and value.startswith(("./", "../")):
            return (self.directory / value).resolve()
        return None


def _text(node: Tree | Token) -> str:
    """An identifier or a quoted label as plain text."""
    if isinstance(node, Token):
        return str(node)
    if node.data == "identifier":
        return str(node.children[0])
    if node.data == "string":
        return "".join(
            _unescape(str(p.children[0]))
            for p in node.children
            if isinstance(p, Tree) and p.data == "string_part"
        )
    if node.data == "keyword":
        return str(node.children[0])
    raise LabError(f"unexpected label {node.data}")


def body_attributes(body: Tree) -> dict[str, Tree]:
    """`name = expression` pairs of a block body (nested blocks excluded)."""
    found: dict[str, Tree] = {}
    for child in body.children:
        if isinstance(child, Tree) and child.data == "attribute":
            found[_text(child.children[0])] = child.children[-1]
    return found


def body_blocks(body: Tree) -> list[Tree]:
    return [c for c in body.children if isinstance(c, Tree) and c.data == "block"]


def _split_block(block: Tree) -> tuple[str, tuple[str, ...], Tree]:
    parts = [c for c in block.children if isinstance(c, Tree)]
    body = next(c for c in parts if c.data == "body")
    names = [_text(c) for c in parts if c.data != "body" and c.data != "new_line_or_comment"]
    return names[0], tuple(names[1:]), body


def parse_file(path: Path) -> Tree:
    try:
        return hcl2.api.parses_to_tree(path.read_text(encoding="utf-8"))
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
    if not files:
        raise LabError(f"no .tf files in {directory}", hint="pass the folder holding the .tf files")
    blocks: list[Block] = []
    for path in files:
        tree = parse_file(path)
        body = tree.children[0]
        for node in body_blocks(body):
            kind, labels, inner = _split_block(node)
            blocks.append(Block(kind, labels, inner, path, node.meta.line))
    return Module(directory.resolve(), blocks, address)


def _unescape(raw: str) -> str:
    """HCL string escapes (\\n, \\", \\uXXXX, $${ and %%{)."""
    raw = raw.replace("$${", "${").replace("%%{", "%{")
    if "\\" not in raw:
        return raw
    return re.sub(
        r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)",
        lambda m: (
            chr(int(m.group(1)[1:], 16))
            if m.group(1)[0] in "uU" and len(m.group(1)) > 1
            else {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}.get(m.group(1), m.group(0))
        ),
        raw,
    )


# ---------------------------------------------------------------------------------------------
# Evaluating expressions
# ---------------------------------------------------------------------------------------------


class Unsupported(LabError):
    """An expression outside the subset this evaluator understands."""


def _subtrees(node: Tree) -> list[Tree]:
    return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def traversal(node: Tree) -> tuple[Tree, list[tuple[str, Any]]] | None:
    """Flatten `a.b[0].c` into its base expression and steps ("attr", name) / ("index", expr)."""
    steps: list[tuple[str, Any]] = []
    while isinstance(node, Tree) and node.data in ("get_attr_expr_term", "index_expr_term"):
        base, step = _subtrees(node)
        if step.data == "get_attr":
            steps.append(("attr", _text(_subtrees(step)[0] if _subtrees(step) else step)))
        elif step.data == "short_index":
            steps.append(("index", int(str(step.children[-1]))))
        else:  # braces_index
            steps.append(("index", _subtrees(step)[0]))
        node = base
        inner = _subtrees(node) if node.data == "expr_term" else []
        if len(inner) == 1 and inner[0].data in ("get_attr_expr_term", "index_expr_term"):
            node = inner[0]  # the parser wraps each step's base in an expr_term
    if not steps:
        return None
    steps.reverse()
    return node, steps


def root_name(node: Tree) -> str | None:
    """The identifier of `expr_term(identifier)`, else None."""
    if isinstance(node, Tree) and node.data == "expr_term":
        inner = _subtrees(node)
        if len(inner) == 1 and inner[0].data == "identifier":
            return _text(inner[0])
    return None


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "jsonencode": lambda v: json.dumps(v, separators=(",", ":"), sort_keys=True),
    "jsondecode": json.loads,
    "tostring": lambda v: _to_string(v),
    "tonumber": lambda v: _number(v),
    "tobool": lambda v: v if isinstance(v, bool) else {"true": True, "false": False}[v],
    "lower": str.lower,
    "upper": str.upper,
    "min": min,
    "max": max,
    "format": lambda fmt, *args: re.sub(r"%[sd]", "{}", fmt).format(*args),
}


def _number(value: Any) -> int | float:
    number = float(value)
    return int(number) if number.is_integer() else number


def _to_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value is None or isinstance(value, dict | list):
        raise Unsupported(f"cannot use {value!r} as a string")
    return str(value)


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: _number(a) + _number(b),
    "-": lambda a, b: _number(a) - _number(b),
    "*": lambda a, b: _number(a) * _number(b),
    "/": lambda a, b: _number(a) / _number(b),
    "%": lambda a, b: _number(a) % _number(b),
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: _number(a) < _number(b),
    ">": lambda a, b: _number(a) > _number(b),
    "<=": lambda a, b: _number(a) <= _number(b),
    ">=": lambda a, b: _number(a) >= _number(b),
    "&&": lambda a, b: a and b,
    "||": lambda a, b: a or b,
}


def _convert(value: Any, block: Block) -> Any:
    """A value given as text (`--var x=3`) converted to the variable's declared primitive type."""
    declared = block.attributes().get("type")
    kind = root_name(declared) if declared is not None else None
    if not isinstance(value, str) or kind not in ("number", "bool"):
        return value
    try:
        return _number(value) if kind == "number" else {"true": True, "false": False}[value]
    except (KeyError, ValueError):
        raise LabError(f"variable {block.labels[0]!r} must be a {kind}, got {value!r}") from None


@dataclass
class Evaluator:
    """Evaluates expressions of one module, given the values of its input variables.

    `resource_value(module_address, type, name, attribute)` answers resource references; the
    default plans queue names/ARNs/URLs from the configuration itself.
    """

    module: Module
    inputs: Mapping[str, Any]
    region: str = "us-east-1"
    resource_value: Callable[[Evaluator, str, str, str], Any] | None = None
    _locals: dict[str, Any] = field(default_factory=dict)
    _busy: set[str] = field(default_factory=set)

    def where(self, block: Block | None) -> str:
        prefix = f"{self.module.address}: " if self.module.address else ""
        return f"{prefix}{block.where()}: " if block else prefix

    # -- references ------------------------------------------------------------------------
    def variable(self, name: str) -> Any:
        block = self.module.named("variable").get((name,))
        if name in self.inputs:
            value = self.inputs[name]
            return _convert(value, block) if block is not None else value
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
        if name in self._busy:
            raise LabError(f"{self.where(found[1])}local.{name} refers to itself")
        self._busy.add(name)
        try:
            value = self.evaluate(found[0])
        finally:
            self._busy.discard(name)
        self._locals[name] = value
        return value

    def child(self, name: str) -> Evaluator:
        """The evaluator of local module `name`, its inputs evaluated here."""
        block = self.module.named("module").get((name,))
        if block is None:
            raise LabError(f"{self.where(None)}module.{name} is not declared")
        directory = self.module.child_directory(block)
        if directory is None:
            raise Unsupported(f"{self.where(block)}module {name!r} is not a local module")
        address = f"{self.module.address}.module.{name}".lstrip(".")
        inputs = {
            key: self.evaluate(expr)
            for key, expr in block.attributes().items()
            if key not in {"source", "version", "providers", "depends_on", "count", "for_each"}
        }
        return Evaluator(load_module(directory, address), inputs, self.region, self.resource_value)

    def output(self, name: str) -> Any:
        block = self.module.named("output").get((name,))
        if block is None:
            raise LabError(f"{self.where(None)}output {name!r} is not declared")
        return self.evaluate(block.attributes()["value"])

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
        queue = self.evaluate(block.attributes()["name"])
        if attribute == "name":
            return queue
        if attribute == "arn":
            return f"arn:aws:sqs:{self.region}:{PLANNED_ACCOUNT}:{queue}"
        return f"https://sqs.{self.region}.amazonaws.com/{PLANNED_ACCOUNT}/{queue}"

    def reference(self, root: str, steps: list[tuple[str, Any]]) -> Any:
        names = [s[1] for s in steps if s[0] == "attr"]
        if len(names) != len(steps):
            raise Unsupported(f"{self.where(None)}indexing ({root}[...]) is not supported here")
        if root == "var":
            return self.variable(names[0])
        if root == "local":
            return self.local(names[0])
        if root == "module" and len(names) >= 2:
            return self.child(names[0]).output(names[1])
        if len(names) == 2 and "_" in root:
            return self.resource(root, names[0], names[1])
        path = ".".join([root, *names])
        raise Unsupported(f"{self.where(None)}cannot evaluate {path} locally")

    # -- expressions -----------------------------------------------------------------------
    def evaluate(self, node: Tree | Token) -> Any:
        if isinstance(node, Token):
            raise Unsupported(f"unexpected token {node!r}")
        kind = node.data
        method = getattr(self, f"_eval_{kind}", None)
        if method is None:
            raise Unsupported(
                f"{self.where(None)}{kind.replace('_', ' ')} expressions are not supported "
                f"(line {getattr(node.meta, 'line', '?')})"
            )
        return method(node)

    def _eval_expr_term(self, node: Tree) -> Any:
        inner = _subtrees(node)
        if len(inner) == 1 and inner[0].data == "identifier":
            raise Unsupported(
                f"{self.where(None)}bare name {_text(inner[0])!r} (line {node.meta.line})"
            )
        return self.evaluate(inner[0])

    def _eval_int_lit(self, node: Tree) -> int:
        return int(str(node.children[0]))

    def _eval_float_lit(self, node: Tree) -> float:
        return float(str(node.children[0]))

    def _eval_literal_value(self, node: Tree) -> Any:
        return {"true": True, "false": False, "null": None}[str(node.children[0])]

    def _eval_string(self, node: Tree) -> str:
        out: list[str] = []
        for part in node.children:
            if not isinstance(part, Tree) or part.data != "string_part":
                continue
            piece = part.children[0]
            if isinstance(piece, Token):
                out.append(_unescape(str(piece)))
            elif piece.data == "interpolation":
                out.append(_to_string(self.evaluate(_subtrees(piece)[0])))
            else:
                raise Unsupported(f"{self.where(None)}template directives are not supported")
        return "".join(out)

    def _eval_tuple(self, node: Tree) -> list[Any]:
        return [self.evaluate(c) for c in _subtrees(node)]

    def _eval_object(self, node: Tree) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for elem in _subtrees(node):
            key_node, value_node = _subtrees(elem)
            key_expr = _subtrees(key_node)[0] if _subtrees(key_node) else key_node
            name = root_name(key_expr)
            key = name if name is not None else _to_string(self.evaluate(key_expr))
            result[key] = self.evaluate(value_node)
        return result

    def _eval_function_call(self, node: Tree) -> Any:
        parts = _subtrees(node)
        name = _text(parts[0])
        args = [self.evaluate(a) for a in _subtrees(parts[1])] if len(parts) > 1 else []
        function = _FUNCTIONS.get(name)
        if function is None:
            raise Unsupported(f"{self.where(None)}function {name}() is not supported locally")
        return function(*args)

    def _eval_get_attr_expr_term(self, node: Tree) -> Any:
        found = traversal(node)
        assert found is not None
        base, steps = found
        root = root_name(base)
        if root is not None:
            return self.reference(root, steps)
        value = self.evaluate(base)
        for kind, step in steps:
            value = value[step if kind == "attr" else self._index(step)]
        return value

    _eval_index_expr_term = _eval_get_attr_expr_term

    def _index(self, step: Any) -> Any:
        return step if isinstance(step, int) else self.evaluate(step)

    def _eval_conditional(self, node: Tree) -> Any:
        condition, yes, no = _subtrees(node)
        return self.evaluate(yes) if self.evaluate(condition) else self.evaluate(no)

    def _eval_binary_op(self, node: Tree) -> Any:
        left, term = _subtrees(node)
        operator_node, right = _subtrees(term)
        operator = str(operator_node.children[0])
        return _BINARY[operator](self.evaluate(left), self.evaluate(right))

    def _eval_unary_op(self, node: Tree) -> Any:
        operator = str(node.children[0])
        value = self.evaluate(_subtrees(node)[0])
        return -_number(value) if operator == "-" else not value


# ---------------------------------------------------------------------------------------------
# Queues declared in a configuration
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueSpec:
    """One `aws_sqs_queue`, as the SQS API's CreateQueue wants it."""

    address: str  # e.g. module.queues.aws_sqs_queue.ical
    name: str
    attributes: dict[str, str]
    dead_letter_target: str | None = None  # name of the DLQ, if a redrive policy names one
    max_receive_count: int | None = None

    @property
    def fifo(self) -> bool:
        return self.attributes.get("FifoQueue") == "true"


def _attribute_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    return _to_string(value)


def _queue_blocks(evaluator: Evaluator) -> Iterator[tuple[Evaluator, Block]]:
    """Every aws_sqs_queue in this module and its local child modules, parents first."""
    for block in evaluator.module.of_kind("resource"):
        if block.labels[0] == "aws_sqs_queue":
            yield evaluator, block
    for block in evaluator.module.of_kind("module"):
        if evaluator.module.child_directory(block) is None:
            continue
        if {"count", "for_each"} & set(block.attributes()):
            raise Unsupported(f"{evaluator.where(block)}count/for_each on modules is not supported")
        yield from _queue_blocks(evaluator.child(block.labels[0]))


def _spec(evaluator: Evaluator, block: Block) -> QueueSpec:
    args = block.attributes()
    address = f"{evaluator.module.address}.aws_sqs_queue.{block.labels[1]}".lstrip(".")
    for unsupported in ("count", "for_each", "name_prefix"):
        if unsupported in args:
            raise Unsupported(f"{evaluator.where(block)}{address}: {unsupported} is not supported")
    if "name" not in args:
        raise LabError(f"{evaluator.where(block)}{address} has no name")
    unknown = set(args) - set(QUEUE_ATTRIBUTES) - AWS_ONLY_ARGUMENTS - {"name"}
    if unknown:
        raise Unsupported(f"{evaluator.where(block)}{address}: unknown arguments {sorted(unknown)}")
    name = evaluator.evaluate(args["name"])
    attributes: dict[str, str] = {}
    for argument, attribute in QUEUE_ATTRIBUTES.items():
        if argument not in args:
            continue
        value = evaluator.evaluate(args[argument])
        if value is None or (attribute in ("FifoQueue", "ContentBasedDeduplication") and not value):
            continue  # false/null: the service default, and what Terraform sends
        attributes[attribute] = _attribute_value(value)
    target = receives = None
    if "RedrivePolicy" in attributes:
        policy = json.loads(attributes["RedrivePolicy"])
        arn = str(policy.get("deadLetterTargetArn", ""))
        target = arn.rsplit(":", 1)[-1] or None
        receives = int(policy["maxReceiveCount"]) if "maxReceiveCount" in policy else None
    return QueueSpec(address, name, attributes, target, receives)


def queue_specs(
    directory: str | Path, variables: Mapping[str, Any] | None = None, region: str = "us-east-1"
) -> list[QueueSpec]:
    """The queues a configuration declares, dead-letter queues before the queues that use them."""
    module = load_module(directory)
    declared = {labels[0] for labels in module.named("variable")}
    undeclared = sorted(set(variables or {}) - declared)
    if undeclared:
        raise LabError(
            f"{directory}: no variable {', '.join(map(repr, undeclared))} is declared there",
            hint=f"declared: {', '.join(sorted(declared)) or 'none'}",
        )
    root = Evaluator(module, dict(variables or {}), region)
    specs = [_spec(ev, block) for ev, block in _queue_blocks(root)]
    by_name = {s.name: s for s in specs}
    if len(by_name) != len(specs):
        raise LabError(f"{directory}: two queues share a name")
    ordered: list[QueueSpec] = []
    visiting: set[str] = set()

    def visit(spec: QueueSpec) -> None:
        if spec in ordered:
            return
        if spec.name in visiting:
            raise LabError(f"{spec.address}: redrive policies form a cycle")
        visiting.add(spec.name)
        target = by_name.get(spec.dead_letter_target or "")
        if target is not None:
            visit(target)
        visiting.discard(spec.name)
        ordered.append(spec)

    for spec in specs:
        visit(spec)
    return ordered


# ---------------------------------------------------------------------------------------------
# Applying them to an SQS endpoint (the local service, or AWS)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Applied:
    """What `apply` did to one queue: created, updated (attributes changed) or unchanged."""

    name: str
    url: str
    action: str


def _same(attribute: str, wanted: str, actual: str | None) -> bool:
    if actual is None:
        return False
    if attribute == "RedrivePolicy":
        try:
            a, b = json.loads(wanted), json.loads(actual)
        except ValueError:
            return False
        return str(a.get("deadLetterTargetArn")) == str(b.get("deadLetterTargetArn")) and int(
            a.get("maxReceiveCount", 0)
        ) == int(b.get("maxReceiveCount", 0))
    return wanted.lower() == actual.lower()


def _live_attributes(spec: QueueSpec, arns: Mapping[str, str]) -> dict[str, str]:
    """The spec's attributes with the planned DLQ ARN swapped for the endpoint's real one."""
    attributes = dict(spec.attributes)
    if spec.dead_letter_target is not None:
        policy = json.loads(attributes["RedrivePolicy"])
        if spec.dead_letter_target not in arns:
            raise LabError(
                f"{spec.address}: its dead-letter queue {spec.dead_letter_target!r} is not declared",
                hint="declare the DLQ as an aws_sqs_queue in the same configuration",
            )
        policy["deadLetterTargetArn"] = arns[spec.dead_letter_target]
        attributes["RedrivePolicy"] = json.dumps(policy, separators=(",", ":"), sort_keys=True)
    return attributes


def apply_specs(specs: list[QueueSpec], client: Any) -> list[Applied]:
    """Create missing queues and bring existing ones in line; safe to run again and again."""
    arns: dict[str, str] = {}
    done: list[Applied] = []
    for spec in specs:
        attributes = _live_attributes(spec, arns)
        try:
            url = client.get_queue_url(QueueName=spec.name)["QueueUrl"]
        except client.exceptions.QueueDoesNotExist:
            url = client.create_queue(QueueName=spec.name, Attributes=attributes)["QueueUrl"]
            action = "created"
        else:
            current = client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])[
                "Attributes"
            ]
            if (current.get("FifoQueue", "false").lower() == "true") != spec.fifo:
                raise LabError(
                    f"queue {spec.name} exists with another type (FIFO vs standard)",
                    hint=f"delete it first: labkit queues delete {spec.name}",
                )
            changed = {
                k: v
                for k, v in attributes.items()
                if k != "FifoQueue" and not _same(k, v, current.get(k))
            }
            if changed:
                client.set_queue_attributes(QueueUrl=url, Attributes=changed)
            action = "updated" if changed else "unchanged"
        arns[spec.name] = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        done.append(Applied(spec.name, url, action))
    return done


def apply(
    directory: str | Path, client: Any, variables: Mapping[str, Any] | None = None
) -> list[Applied]:
    """Create the queues declared in `directory` (and its local modules) through `client`."""
    region = getattr(getattr(client, "meta", None), "region_name", None) or "us-east-1"
    return apply_specs(queue_specs(directory, variables, region), client)


# ---------------------------------------------------------------------------------------------
# Static checks (what `terraform validate` would catch about references)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    root: str
    names: tuple[str, ...]  # the attribute names after the root, up to the first index
    file: Path
    line: int


def _references(node: Tree, bound: frozenset[str]) -> Iterator[tuple[str, tuple[str, ...], int]]:
    """Every traversal in an expression (`var.x`, `aws_sqs_queue.q.arn`, …) but for-loop names."""
    if not isinstance(node, Tree):
        return
    kind = node.data
    if kind in ("get_attr_expr_term", "index_expr_term"):
        base, steps = traversal(node) or (node, [])
        root = root_name(base)
        if root is not None:
            names: list[str] = []
            for step_kind, step in steps:
                if step_kind != "attr":
                    break
                names.append(step)
            if root not in bound:
                yield root, tuple(names), node.meta.line
        else:
            yield from _references(base, bound)
        for step_kind, step in steps:
            if step_kind == "index" and isinstance(step, Tree):
                yield from _references(step, bound)
        return
    if kind == "expr_term":
        name = root_name(node)
        if name is not None:
            if name not in bound:
                yield name, (), node.meta.line
            return
    if kind in ("for_tuple_expr", "for_object_expr"):
        intro = next(c for c in _subtrees(node) if c.data == "for_intro")
        names = frozenset(_text(c) for c in _subtrees(intro) if c.data == "identifier")
        collection = [c for c in _subtrees(intro) if c.data != "identifier"]
        for c in collection:
            yield from _references(c, bound)
        for c in _subtrees(node):
            if c is not intro:
                yield from _references(c, bound | names)
        return
    if kind == "object_elem":
        key, value = _subtrees(node)
        key_expr = _subtrees(key)[0] if _subtrees(key) else key
        if root_name(key_expr) is None:
            yield from _references(key_expr, bound)
        yield from _references(value, bound)
        return
    if kind == "function_call":
        for c in _subtrees(node)[1:]:
            yield from _references(c, bound)
        return
    for c in _subtrees(node):
        yield from _references(c, bound)


def references(module: Module) -> list[Reference]:
    """Every reference in the module's attributes (variable `type` constraints excluded)."""
    found: list[Reference] = []

    def walk_body(body: Tree, file: Path, skip_type: bool, bound: frozenset[str]) -> None:
        for child in _subtrees(body):
            if child.data == "attribute":
                name = _text(child.children[0])
                if skip_type and name == "type":
                    continue
                for root, names, line in _references(child.children[-1], bound):
                    found.append(Reference(root, names, file, line))
            elif child.data == "block":
                kind, labels, inner = _split_block(child)
                inner_bound = bound | {labels[0]} if kind == "dynamic" and labels else bound
                walk_body(inner, file, False, inner_bound)

    for block in module.blocks:
        walk_body(block.body, block.file, block.kind == "variable", frozenset())
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
        inputs = set(block.attributes()) - {"source", "version", "providers", "depends_on"}
        inputs -= {"count", "for_each"}
        child_vars = child.named("variable")
        for extra in sorted(inputs - {k[0] for k in child_vars}):
            found.append(f"{block.file}:{block.line}: module {name} has no variable {extra!r}")
        for (var_name,), var_block in child_vars.items():
            if "default" not in var_block.attributes() and var_name not in inputs:
                found.append(f"{block.file}:{block.line}: module {name} needs {var_name!r}")
    for ref in references(module):
        where = f"{ref.file}:{ref.line}"
        root, names = ref.root, ref.names
        if root in BUILTIN_ROOTS:
            continue
        if root == "var":
            if not names or (names[0],) not in declared["variable"]:
                found.append(f"{where}: var.{'.'.join(names)} is not declared")
        elif root == "local":
            if not names or names[0] not in local_names:
                found.append(f"{where}: local.{'.'.join(names)} is not declared")
        elif root == "module":
            if not names or (names[0],) not in declared["module"]:
                found.append(f"{where}: module.{'.'.join(names[:1])} is not declared")
            elif (
                names[0] in children
                and len(names) > 1
                and (names[1],) not in children[names[0]].named("output")
            ):
                found.append(f"{where}: module.{names[0]} has no output {names[1]!r}")
        elif root == "data":
            if len(names) < 2 or (names[0], names[1]) not in declared["data"]:
                found.append(f"{where}: data.{'.'.join(names[:2])} is not declared")
        elif "_" in root and names:
            if (root, names[0]) not in declared["resource"]:
                found.append(f"{where}: {root}.{names[0]} is not declared")
        else:
            found.append(f"{where}: unknown name {'.'.join((root, *names))!r}")
    return found
