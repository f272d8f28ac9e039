"""labkit.terraform's modules one by one, on small HCL written here (no service, no terraform/).

What the package split made reachable: nested blocks as `Block`s, module sources read as the
literal strings Terraform requires, the evaluator's handling of each typed rule, clear errors for
values of the wrong kind, and the test-only reference checker in tests/support.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import labkit.terraform as tf
from labkit.errors import LabError
from labkit.terraform.evaluating import Unsupported
from labkit.terraform.reading import literal_string
from tests.support.terraform_refs import problems, references


def module(tmp_path: Path, source: str) -> tf.Module:
    (tmp_path / "main.tf").write_text(source)
    return tf.load_module(tmp_path)


def local(tmp_path: Path, expression: str, inputs: dict[str, Any] | None = None) -> Any:
    found = module(tmp_path, f"locals {{\n  x = {expression}\n}}\n")
    return tf.Evaluator(found, inputs or {}).local("x")


def test_public_names_are_the_ones_importers_use() -> None:
    for name in tf.__all__:
        assert getattr(tf, name) is not None, name
    used = {"queue_specs", "QueueSpec", "apply_specs", "apply", "load_module", "Evaluator"}
    assert used | {"Module", "Block"} <= set(tf.__all__)
    assert callable(tf.apply) and tf.apply.__module__ == "labkit.terraform.applying"


def test_blocks_keep_labels_lines_and_nested_blocks(tmp_path: Path) -> None:
    found = module(
        tmp_path,
        "# a comment first\n"
        'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n'
        'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n',
    )
    (terraform,) = found.of_kind("terraform")
    assert terraform.line == 2 and terraform.where() == "main.tf:2"
    (required,) = terraform.blocks()
    assert required.kind == "required_providers" and required.labels == ()
    assert required.line == 3
    aws = tf.Evaluator(found, {}).evaluate(required.attributes()["aws"])
    assert aws == {"source": "hashicorp/aws"}
    assert set(found.named("resource")) == {("aws_sqs_queue", "q")}


def test_a_block_label_cannot_hold_an_expression(tmp_path: Path) -> None:
    with pytest.raises(LabError, match="block label cannot hold an expression"):
        module(tmp_path, 'resource "aws_sqs_queue" "${var.x}" {\n  name = "q"\n}\n')


def test_module_source_is_read_as_a_literal_path(tmp_path: Path) -> None:
    (tmp_path / "child").mkdir()
    found = module(
        tmp_path,
        'module "local" {\n  source = "./child"\n}\n'
        'module "registry" {\n  source = "terraform-aws-modules/sqs/aws"\n}\n'
        'module "computed" {\n  source = "./${var.dir}"\n}\n',
    )
    modules = found.named("module")
    assert found.child_directory(modules[("local",)]) == (tmp_path / "child").resolve()
    assert found.child_directory(modules[("registry",)]) is None
    assert found.child_directory(modules[("computed",)]) is None  # Terraform refuses it too


def test_literal_string_resolves_escapes_and_refuses_templates(tmp_path: Path) -> None:
    found = module(
        tmp_path,
        'locals {\n  plain = "a\\tb $${x} %%{y}"\n  template = "a${1}"\n  number = 1\n}\n',
    )
    exprs = {name: expr for name, (expr, _) in found.locals().items()}
    assert literal_string(exprs["plain"]) == "a\tb ${x} %{y}"
    assert literal_string(exprs["template"]) is None
    assert literal_string(exprs["number"]) is None


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1.5", 1.5),
        ("-2.5", -2.5),
        ("!true", False),
        ("(1 + 2) * 3", 9),
        ("7 % 4 == 3 && 1 < 2", True),
        ("null", None),
        ('[1, "a", false][1]', "a"),
        ("[10, 20].1", 20),
        ("{ a = { b = [1, 2] } }.a.b[0]", 1),
        ('{ "k" = 1, 2 = "two", (upper("x")) = 3 }', {"k": 1, "2": "two", "X": 3}),
        ('format("%s-%d", "q", 3)', "q-3"),
        ("max([1, 5, 3]...)", 5),
        ('tobool("true") ? "yes" : "no"', "yes"),
        ('jsondecode("{\\"a\\": [1]}")', {"a": [1]}),
    ],
)
def test_evaluator_rules(tmp_path: Path, expression: str, expected: Any) -> None:
    assert local(tmp_path, expression) == expected


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ('tonumber("many")', r"main.tf:2: tonumber\(\): could not convert"),
        ('"a" * 2', r"main.tf:2: operator \*: could not convert"),
        ("{ a = 1 }.b", "main.tf:2: cannot index: 'b'"),
        ("[1][3]", "main.tf:2: cannot index: list index out of range"),
        ("1 / 0", "main.tf:2: operator /: division by zero"),
        ("max(1...)", r"max\(...\): only a list can be expanded"),
    ],
)
def test_values_of_the_wrong_kind_are_clear_errors(
    tmp_path: Path, expression: str, message: str
) -> None:
    with pytest.raises(LabError, match=message):
        local(tmp_path, expression)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("[for v in [1] : v]", "main.tf:2: for tuple expr expressions are not supported"),
        ("something", "main.tf:2: bare name 'something'"),
        ("timestamp()", r"function timestamp\(\) is not supported locally"),
        ('"%{ if true }x%{ endif }"', "template directives are not supported"),
        ("var.list[0]", r"indexing \(var\[...\]\) is not supported here"),
        ("data.aws_region.current.name", "cannot evaluate data.aws_region.current.name"),
    ],
)
def test_outside_the_subset_is_unsupported(tmp_path: Path, expression: str, message: str) -> None:
    with pytest.raises(Unsupported, match=message):
        local(tmp_path, expression)


def test_a_child_module_is_loaded_once_per_evaluator(tmp_path: Path) -> None:
    child = tmp_path / "child"
    child.mkdir()
    (child / "main.tf").write_text(
        'variable "n" {}\noutput "twice" { value = var.n * 2 }\noutput "n" { value = var.n }\n'
    )
    found = module(tmp_path, 'module "c" {\n  source = "./child"\n  n      = 21\n}\n')
    evaluator = tf.Evaluator(found, {})
    assert evaluator.child("c") is evaluator.child("c")
    assert evaluator.child("c").output("twice") == 42
    assert evaluator.child("c").module.address == "module.c"


def test_a_redrive_policy_must_be_a_json_object(tmp_path: Path) -> None:
    module(tmp_path, 'resource "aws_sqs_queue" "q" {\n  name = "q"\n  redrive_policy = "oops"\n}\n')
    with pytest.raises(LabError, match="redrive_policy is not a JSON object"):
        tf.queue_specs(tmp_path)


def test_references_bind_loop_names_and_dynamic_labels(tmp_path: Path) -> None:
    found = module(
        tmp_path,
        'variable "m" {\n  type = map(string)\n  default = {}\n}\n'
        "locals {\n"
        "  o = { for k, v in var.m : upper(k) => v... if v != local.skip }\n"
        '  skip = "x"\n'
        "}\n"
        'resource "aws_thing" "t" {\n'
        '  dynamic "rule" {\n    for_each = var.m\n    content {\n      key = rule.key\n    }\n  }\n'
        "}\n",
    )
    roots = sorted((r.root, r.names) for r in references(found))
    assert roots == [("local", ("skip",)), ("var", ("m",)), ("var", ("m",))]
    assert problems(tmp_path) == []


def test_remembered_queues_follow_every_file_they_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache `labkit sqs serve` reads through answers what `queue_specs` answers, notices a
    change in a child module's file, and on a hit does not parse at all."""
    import labkit.terraform.queues as queues_module

    root, child, cache = tmp_path / "tf", tmp_path / "tf" / "mod", tmp_path / "cache"
    child.mkdir(parents=True)
    (root / "main.tf").write_text('module "q" {\n  source = "./mod"\n  n = "a"\n}\n')
    queue = 'variable "n" {}\nresource "aws_sqs_queue" "q" {\n  name = "%s-${var.n}"\n}\n'
    (child / "main.tf").write_text(queue % "first")

    first = tf.remembered_queue_specs(root, cache_dir=cache)
    assert first == tf.queue_specs(root) and [s.name for s in first] == ["first-a"]
    assert len(list(cache.glob("*.json"))) == 1
    assert all(p.stat().st_mode & 0o077 == 0 for p in [cache, *cache.iterdir()])

    def no_parsing(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("parsed although nothing changed")

    with monkeypatch.context() as patched:
        patched.setattr(queues_module, "queue_specs", no_parsing)
        assert tf.remembered_queue_specs(root, cache_dir=cache) == first

    (child / "main.tf").write_text(queue % "second")  # only the child module changes
    assert [s.name for s in tf.remembered_queue_specs(root, cache_dir=cache)] == ["second-a"]
    (child / "extra.tf").write_text('resource "aws_sqs_queue" "r" {\n  name = "added"\n}\n')
    grown = tf.remembered_queue_specs(root, cache_dir=cache)
    assert grown == tf.queue_specs(root) and {s.name for s in grown} == {"second-a", "added"}
    assert [s.name for s in tf.remembered_queue_specs(root, cache_dir=cache, region="eu-west-1")]
    (cache / next(cache.glob("*.json")).name).write_text("{not json")  # a damaged entry: re-read
    assert tf.remembered_queue_specs(root, cache_dir=cache) == tf.queue_specs(root)
