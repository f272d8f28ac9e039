"""Durability for `labkit sqs serve --data-dir`: a snapshot of the engine plus a journal of the calls since.

The engine is deterministic given its clock, its seeded RNG and the sequence of calls, so recording
each call that changed state (with the time it ran at) after a snapshot rebuilds the exact state:
messages, receipts, the RNG, de-duplication windows. The rules:

* **Run first, record after.** The journal is the engine's recorder (`labkit.sqslocal.changes`):
  after each call the engine hands it the call, its arguments and the instant it ran at. A call is
  journalled only once the engine has accepted it, and before its reply leaves, so a refused request
  can never leave a record behind and nothing acknowledged is missing. Calls that change nothing are
  not written: reads (GetQueueUrl, GetQueueAttributes, …) and receives that returned no message
  (their only trace, the empty-receive counter, is kept by the next snapshot, not by the journal).
  A call that drew from the RNG while doing due work (a delayed message becoming visible picks its
  host; a short poll samples hosts) is the one exception: it is recorded even if it is a read, came
  back empty or was refused, since later message ids depend on it; replaying it does that work again.
* **Replay never dies on a record.** A call that fails on replay is logged and skipped, as it failed
  live. A damaged line (checksum, see `records`) stops the replay there: the service starts with
  everything before it and the rest is moved aside to a named file.
* **Compaction** writes a snapshot of the live state and starts a fresh journal: on start after a
  replay, on clean shutdown, after a reset, and when the journal outgrows both `compact_bytes` and the
  last snapshot (as Redis rewrites its AOF), so disk use and start time follow the live state.
  Snapshot and journal are linked by a generation number, so a crash between writing one and
  starting the other never replays a call twice.

Written by hand because this command-sourcing trick needs the engine's determinism, which no storage
library knows about.
"""

from __future__ import annotations

import inspect
import logging
import os
import random
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labkit.sqslocal.changes import Step
from labkit.sqslocal.config import DEFAULT_FSYNC, FsyncPolicy, replayed
from labkit.sqslocal.journal import legacy, snapshot
from labkit.sqslocal.journal.files import (
    AppendFile,
    link_atomically,
    open_private,
    private_dir,
    write_atomically,
)
from labkit.sqslocal.journal.records import (
    DamagedRecord,
    Record,
    decode_header,
    decode_record,
    encode_header,
    encode_record,
)
from labkit.sqslocal.journal.snapshot import SnapshotDamaged, SnapshotError

if TYPE_CHECKING:
    from labkit.sqslocal.engine import Engine

__all__ = [
    "COMPACT_BYTES",
    "DEFAULT_FSYNC",
    "CountingRandom",
    "FsyncPolicy",
    "Journal",
    "JournalMismatch",
    "SnapshotError",
]

JOURNAL_FILE = "sqs-journal.log"
SNAPSHOT_FILE = "sqs-snapshot.bin"
# The generation before: if a snapshot is ever damaged, the previous one plus its journal and the
# current journal rebuild the same state.
PREVIOUS_JOURNAL_FILE = "sqs-journal.previous.log"
PREVIOUS_SNAPSHOT_FILE = "sqs-snapshot.previous.bin"
FORMAT = "labkit-sqs-journal"
VERSION = 2
# Compact once the journal is past this size *and* past the last snapshot's size (as Redis rewrites
# its AOF): about 3,700 records, which replay in about half a second even on a busy 2-core machine
# (benchmarks/sqs_journal.py), while a compaction of a small state costs a few milliseconds.
COMPACT_BYTES = 512 * 1024

logger = logging.getLogger(__name__)


class JournalMismatch(ValueError):
    """The data was written by a service with other knobs: replaying it would rebuild another state."""

    hint = "start with the same --seed and knobs, or another --data-dir"


class CountingRandom(random.Random):
    """A `random.Random` that counts its draws, so the journal sees which calls used chance."""

    def __init__(self, x: Any = None) -> None:
        self.draws = 0
        super().__init__(x)

    def random(self) -> float:
        self.draws += 1
        return super().random()

    def getrandbits(self, k: int) -> int:
        self.draws += 1
        return super().getrandbits(k)

    def randbytes(self, n: int) -> bytes:
        self.draws += 1
        return super().randbytes(n)

    def seed(self, *args: Any, **kwargs: Any) -> None:
        self.draws = getattr(self, "draws", 0) + 1
        super().seed(*args, **kwargs)

    def setstate(self, state: Any) -> None:
        self.draws = getattr(self, "draws", 0) + 1
        super().setstate(state)


class Journal:
    """Keeps an engine's state in `data_dir`: loads and replays what is there, then records the
    engine's calls as its `recorder` until `close`."""

    def __init__(
        self,
        engine: Engine,
        data_dir: Path,
        fsync: FsyncPolicy = DEFAULT_FSYNC,
        compact_bytes: int = COMPACT_BYTES,
    ) -> None:
        self.engine = engine
        self._data_dir = private_dir(data_dir)
        self._fsync = FsyncPolicy(fsync)
        self._compact_bytes = compact_bytes
        self._none_by_default: dict[str, frozenset[str]] = {}
        self._knobs = replayed(engine.config)  # saved with the journal, checked on restart
        self._generation = 0
        self._snapshot_bytes = 0
        self._file: AppendFile | None = None
        self.replayed = 0  # records replayed at start
        self.skipped = 0  # of which failed (as they did live) or were not engine calls
        self.written = 0  # bytes journalled since start (across compactions)
        self.notes: list[str] = []
        engine.recorder = None  # replay is not recorded again
        if not isinstance(engine.rng, CountingRandom):
            engine.rng = CountingRandom(engine.config.seed)
            engine.reset()  # rebuild the initial queues on the counting RNG (same seed, same state)
        journal = data_dir / JOURNAL_FILE
        snapshot_path = data_dir / SNAPSHOT_FILE
        old = data_dir / legacy.FILE_NAME
        loaded = snapshot_path.exists()
        if loaded:
            try:
                self._load_snapshot(snapshot_path)
            except SnapshotDamaged as exc:
                self._recover_from_previous(snapshot_path, exc)
        migrate = old.exists() and not loaded  # the first format, never migrated yet
        if migrate:
            self._replay_legacy(old)
        empty = self._replay(journal) if journal.exists() else False
        if loaded and empty and not old.exists():  # a clean shutdown left nothing to replay
            self._file = AppendFile(journal, self._fsync)
        # Otherwise start on a fresh snapshot: the next start is quick, and a stale, cut or
        # damaged journal is never appended to.
        elif self.compact() and old.exists():
            moved = old.with_name(old.name + ".migrated")
            os.replace(old, moved)
            if migrate:
                self.notes.append(f"the old journal was migrated; it is kept as {moved}")
        engine.recorder = self

    # ----- recording (the engine's recorder) -----------------------------------------------------
    def mark(self) -> int:
        """Before each call: the RNG's draw count, to see whether the call used chance."""
        return self._rng().draws

    def record(self, mark: int, step: Step) -> None:
        """After each call: journal it if it changed state or drew from the RNG."""
        if not (step.changed or self._rng().draws != mark):
            return
        kwargs = step.kwargs
        if kwargs:  # keyword arguments left at their default of None need no record
            none_by_default = self._none_defaults(step.action)
            kwargs = {k: v for k, v in kwargs.items() if v is not None or k not in none_by_default}
        self._append(encode_record(step.t, step.action, step.args, kwargs, step.ok))
        if step.action == "reset" and step.ok:
            self.compact()  # nothing before a reset matters to the state after it

    def _rng(self) -> CountingRandom:
        rng = self.engine.rng
        assert isinstance(rng, CountingRandom)  # set up so in __init__
        return rng

    def _none_defaults(self, action: str) -> frozenset[str]:
        found = self._none_by_default.get(action)
        if found is None:
            parameters = inspect.signature(getattr(self.engine, action)).parameters.values()
            found = frozenset(p.name for p in parameters if p.default is None)
            self._none_by_default[action] = found
        return found

    def _append(self, line: bytes) -> None:
        if self._file is None:
            raise RuntimeError("the journal is closed")
        self._file.append(line)
        self.written += len(line)
        if self._file.size > max(self._compact_bytes, self._snapshot_bytes):
            self.compact()

    # ----- start: snapshot, then replay --------------------------------------------------------
    def _check_config(self, config: dict[str, Any], path: Path) -> None:
        differs = {k: v for k, v in config.items() if k in self._knobs and self._knobs[k] != v}
        if differs:
            raise JournalMismatch(f"{path} was written with other settings: {config}")

    def _load_snapshot(self, path: Path) -> None:
        header, state = snapshot.read(path)
        self._check_config(header.get("config", {}), path)
        snapshot.restore(self.engine, state)
        self._generation = int(header["generation"])
        self._snapshot_bytes = path.stat().st_size

    def _recover_from_previous(self, damaged: Path, why: SnapshotDamaged) -> None:
        """Rebuild what a damaged snapshot held from the previous snapshot and its journal."""
        previous = self._data_dir / PREVIOUS_SNAPSHOT_FILE
        previous_journal = self._data_dir / PREVIOUS_JOURNAL_FILE
        if not (previous.exists() and previous_journal.exists()):
            raise why
        self._load_snapshot(previous)
        self._replay(previous_journal)
        aside = damaged.with_name(f"{damaged.name}.damaged-{time.strftime('%Y%m%dT%H%M%S')}")
        os.replace(damaged, aside)
        note = (
            f"{why}: rebuilt from {previous.name} and {previous_journal.name} instead; the "
            f"damaged snapshot is kept as {aside}"
        )
        logger.warning("%s", note)
        self.notes.append(note)

    def _replay(self, path: Path) -> bool:
        """Replay a journal after the snapshot; True if it is current and holds no record."""
        with path.open("rb") as lines:
            first = lines.readline()
            try:
                header = decode_header(first)
            except DamagedRecord as exc:
                if not first.endswith(b"\n") and len(first) == path.stat().st_size:
                    return False  # a header cut short: the journal never held a record
                self._move_aside(path, 0, 1, str(exc))
                return False
            if header.get("format") != FORMAT or header.get("version") != VERSION:
                raise JournalMismatch(f"{path} is not a version {VERSION} journal: {header}")
            self._check_config(header.get("config", {}), path)
            generation = int(header.get("generation", 0))
            if generation <= self._generation:
                logger.info("%s is already in the snapshot: not replayed", path)
                return False
            if generation != self._generation + 1:
                raise SnapshotError(
                    f"{path} (generation {generation}) does not follow the snapshot "
                    f"(generation {self._generation}): the journal in between is missing"
                )
            self._generation = generation
            offset = len(first)
            for number, raw in enumerate(lines, start=2):
                if not raw.endswith(b"\n"):
                    logger.info("%s line %d: cut short (never acknowledged), dropped", path, number)
                    return False
                try:
                    record = decode_record(raw)
                except DamagedRecord as exc:
                    self._move_aside(path, offset, number, str(exc))
                    return False
                self._apply(record, path, number)
                offset += len(raw)
            return offset == len(first)

    def _replay_legacy(self, path: Path) -> None:
        header = legacy.header_of(path)
        if header is None:
            self.notes.append(f"{path} has no old-format header: not replayed")
            return
        self._check_config(header.get("config", {}), path)
        for number, record in legacy.records(path):
            self._apply(record, path, number)

    def _apply(self, record: Record, path: Path, number: int) -> None:
        """Run a record's call again at the instant it first ran."""
        try:
            self.engine.replay(record.t, record.op, record.args, record.kwargs)
        except LookupError:
            self._skip(path, number, f"{record.op} is not an engine call")
            return
        except Exception as exc:
            if record.ok:
                self._skip(path, number, f"{record.op} failed on replay ({exc!r})")
        self.replayed += 1

    def _skip(self, path: Path, number: int, why: str) -> None:
        logger.warning("%s line %d: %s; skipped, as it failed when it ran", path, number, why)
        self.skipped += 1

    def _move_aside(self, path: Path, offset: int, number: int, why: str) -> None:
        """Keep the damaged record and everything after it in a file of its own; cut the journal."""
        aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%dT%H%M%S')}-line{number}")
        with path.open("rb") as source:
            source.seek(offset)
            rest = source.read()
        write_atomically(aside, [rest])
        fd = open_private(path, os.O_WRONLY)
        try:
            os.ftruncate(fd, offset)
            os.fsync(fd)
        finally:
            os.close(fd)
        note = (
            f"{path} line {number} is damaged ({why}): replay stopped there; the service starts "
            f"with everything before it, and line {number} onwards is kept in {aside}"
        )
        logger.warning("%s", note)
        self.notes.append(note)

    # ----- compaction ----------------------------------------------------------------------------
    def compact(self) -> bool:
        """Snapshot the live state and start a fresh journal. False (journal kept) if it failed."""
        meta = {"generation": self._generation, "config": self._knobs, "time": time.time()}
        try:
            chunks = snapshot.write(self.engine, meta)
        except Exception:  # e.g. a new engine field that cannot be pickled: keep journalling
            logger.exception("could not snapshot the SQS service's state; the journal is kept")
            held = self._file.size if self._file is not None else 0
            self._snapshot_bytes = 2 * max(self._compact_bytes, held)  # not again at once
            if self._file is None:
                self._open_journal(fresh=False)
            return False
        folder = self._data_dir
        if (folder / SNAPSHOT_FILE).exists() and (folder / JOURNAL_FILE).exists():
            link_atomically(folder / SNAPSHOT_FILE, folder / PREVIOUS_SNAPSHOT_FILE)
            link_atomically(folder / JOURNAL_FILE, folder / PREVIOUS_JOURNAL_FILE)
        self._snapshot_bytes = write_atomically(self._data_dir / SNAPSHOT_FILE, chunks)
        self._open_journal(fresh=True)
        return True

    def _open_journal(self, fresh: bool) -> None:
        """Append to the journal; a fresh one (or none yet) starts with a header of the next generation."""
        if self._file is not None:
            self._file.close()
        path = self._data_dir / JOURNAL_FILE
        if fresh or not path.exists() or path.stat().st_size == 0:
            generation = self._generation + 1
            header = {
                "format": FORMAT,
                "version": VERSION,
                "generation": generation,
                "config": self._knobs,
            }
            write_atomically(path, [encode_header(header)])
            self._generation = generation
        self._file = AppendFile(path, self._fsync)

    def close(self) -> None:
        """Clean shutdown: compact (so the next start only loads a snapshot), then close the file."""
        if self._file is None:
            return
        self.compact()
        self.engine.recorder = None
        if self._file is not None:
            self._file.close()
            self._file = None
