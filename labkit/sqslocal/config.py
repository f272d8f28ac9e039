"""The local SQS service's settings, declared once.

`EngineConfig` is the only place a setting is written down: its default, its help text and its
range live in the field's metadata. Everything else is derived from it — the `labkit sqs serve`
options (`labkit.cli.sqs`), what `GET /_lab/config` shows (`shown`), and the settings a journal
saves and checks on restart, because replaying its calls under other ones would build another
state (`replayed`). Adding a setting is one new field here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class FsyncPolicy(StrEnum):
    """When `--data-dir`'s journal reaches the disk (declared here: `labkit sqs serve` reads it
    without importing the journal)."""

    always = "always"
    everysec = "everysec"
    no = "no"


DEFAULT_FSYNC = FsyncPolicy.everysec
#: How far the lab's clock may be moved in one step (`/_lab/clock/advance`, `labkit sqs advance`).
MAX_CLOCK_ADVANCE = 10 * 365 * 86400  # ten years, in seconds

__all__ = ["EngineConfig", "QueueDeclaration", "Setting", "replayed", "settings", "shown"]

# A queue the service creates at start and on every reset: its name and CreateQueue attributes
QueueDeclaration = tuple[str, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class Setting:
    """What the service's front ends need to know about one setting."""

    help: str
    minimum: float | None = None
    maximum: float | None = None
    flag: str | None = None  # a boolean's command-line flag (default: --NAME / --no-NAME)
    replayed: bool = True  # a journal's replay depends on it: the saved value must match


def _setting(default: Any, meta: Setting) -> Any:
    return field(default=default, metadata={"setting": meta})


@dataclass(frozen=True)
class EngineConfig:
    """Knobs of the service. Defaults show disorder and the odd duplicate on a 100-message demo."""

    seed: int = _setting(6400, Setting("Seed of the teaching model's RNG."))
    hosts: int = _setting(
        5, Setting("Virtual hosts a standard queue spreads messages over.", minimum=1, maximum=64)
    )
    duplicate_rate: float = _setting(
        0.01,
        Setting("Chance a received standard message is left behind to come again.", 0, 1),
    )
    strict_order: bool = _setting(
        False,
        Setting("Standard queues deliver in send order (no model).", flag="--strict-order"),
    )
    short_poll_fraction: float = _setting(
        0.6, Setting("Share of a standard queue's hosts a short poll asks.", 0, 1)
    )
    account_id: str = _setting(
        "000000000000", Setting("Account id in queue URLs and ARNs.", replayed=False)
    )
    region: str = _setting("us-east-1", Setting("Region in queue ARNs.", replayed=False))
    # Not a setting of its own: `labkit sqs serve --queues DIR` fills it from Terraform files.
    initial_queues: tuple[QueueDeclaration, ...] = ()

    def arn(self, name: str) -> str:
        """The ARN of the service's queue `name`."""
        return f"arn:aws:sqs:{self.region}:{self.account_id}:{name}"


def settings() -> list[tuple[dataclasses.Field[Any], Setting]]:
    """The declared settings, in declaration order, with their metadata."""
    return [
        (f, f.metadata["setting"])
        for f in dataclasses.fields(EngineConfig)
        if "setting" in f.metadata
    ]


def shown(config: EngineConfig) -> dict[str, Any]:
    """Every setting's value (what `GET /_lab/config` answers)."""
    return {f.name: getattr(config, f.name) for f, _ in settings()}


def replayed(config: EngineConfig) -> dict[str, Any]:
    """The settings a journal's replay depends on (saved with the journal, checked on restart)."""
    return {f.name: getattr(config, f.name) for f, meta in settings() if meta.replayed}
