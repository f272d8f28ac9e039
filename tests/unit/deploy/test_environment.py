"""environment.yml (conda) stays in step with pyproject.toml, the one place versions are pinned."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[3]


def load() -> tuple[dict, dict]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return env, project


def conda_specs(env: dict) -> dict[str, str]:
    """conda `name=version` / `name>=version` entries (the pip section excluded)."""
    specs: dict[str, str] = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str):
            match = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*(.*)", dep.strip())
            assert match, dep
            specs[match[1].lower()] = match[2]
    return specs


def pip_section(env: dict) -> list[str]:
    sections = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(sections) == 1, "one pip section"
    return sections[0]


def test_python_matches_requires_python() -> None:
    env, project = load()
    version = conda_specs(env)["python"].lstrip("=")
    assert re.fullmatch(r"3\.\d+", version), version
    assert Version(version) in SpecifierSet(project["requires-python"])
    # the Docker image uses the same minor version
    assert f"FROM python:{version}" in (ROOT / "Dockerfile").read_text()


def test_pip_installs_this_project_with_its_pins() -> None:
    env, project = load()
    entries = pip_section(env)
    assert any(re.fullmatch(r'-e\s+"?\.(\[[a-z,]+\])?"?', e) for e in entries), entries
    editable = next(e for e in entries if e.startswith("-e"))
    extras = re.findall(r"\[([a-z,]+)\]", editable)
    for extra in extras[0].split(",") if extras else []:
        assert extra in project["optional-dependencies"], extra


def test_nothing_pinned_twice_disagrees() -> None:
    env, project = load()
    pinned = {}
    lines = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        lines.extend(extra)
    for line in lines:
        req = Requirement(line)
        pinned[req.name.lower()] = req.specifier
    for name, spec in conda_specs(env).items():
        if name in pinned and spec:
            version = spec.lstrip("=")
            assert Version(version) in pinned[name], (
                f"{name}: conda {spec} vs pyproject {pinned[name]}"
            )
    for entry in pip_section(env):
        if entry.startswith("-"):
            continue
        req = Requirement(entry)
        if req.name.lower() in pinned:
            assert str(req.specifier) == str(pinned[req.name.lower()]), req.name
