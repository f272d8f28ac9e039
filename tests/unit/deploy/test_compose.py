"""docker-compose.yml, its SQS override and the Dockerfile agree with the code.

No Docker engine here, so the files are loaded and checked: structure (health checks, start
order, loopback-only ports), every command against the real CLI's --help, every environment
variable against the names the code reads, and every URL against the services it names.
"""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from taskoverflow.config import Settings, env_names

from labkit import terraform as tf

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
APP_SERVICES = ("sqs", "queues", "backend", "worker", "jupyter")
#: Variables read by libraries or images rather than our code.
EXTERNAL_ENV = {
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_REGION",
    "JUPYTER_TOKEN",
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "POSTGRES_DB",
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONUNBUFFERED",
    "PIP_NO_CACHE_DIR",
    "PIP_DISABLE_PIP_VERSION_CHECK",
    "PYTHONPATH",
}


def compose(name: str = "docker-compose.yml") -> dict:
    return yaml.safe_load((ROOT / name).read_text())


SERVICES = compose()["services"]


@functools.cache
def code_env_names() -> frozenset[str]:
    """Env var names our code reads: Settings fields, plus quoted names in labkit/ and backend/."""
    names = set(env_names())
    for path in [*(ROOT / "labkit").rglob("*.py"), *(ROOT / "backend").rglob("*.py")]:
        names.update(re.findall(r"[\"']([A-Z][A-Z0-9_]{2,})[\"']", path.read_text()))
    return frozenset(names)


@functools.cache
def cli_apps() -> dict:
    """Our two typer apps, in-process (fast); console scripts are checked to exist too."""
    from taskoverflow.cli import app as taskoverflow_app

    from labkit.cli import _register
    from labkit.cli import app as labkit_app

    _register()
    return {"labkit": labkit_app, "taskoverflow": taskoverflow_app}


@functools.cache
def help_text(*words: str) -> str:
    entry = BIN / words[0]
    assert entry.exists(), f"no {words[0]} entry point in {BIN}"
    if words[0] in ("labkit", "taskoverflow"):
        from typer.testing import CliRunner

        result = CliRunner().invoke(cli_apps()[words[0]], [*words[1:], "--help"])
        assert result.exit_code == 0, f"{' '.join(words)} --help failed:\n{result.output}"
        return result.output
    run = subprocess.run(
        [str(entry), *words[1:], "--help"], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, f"{' '.join(words)} --help failed:\n{run.stdout}{run.stderr}"
    return run.stdout


def check_command(command: list[str]) -> None:
    """The sub-command exists and accepts every --option the command line uses."""
    words = [w for w in command if not w.startswith("-")]
    options = [w.split("=")[0] for w in command if w.startswith("--")]
    if command[0] == "jupyter":
        assert (BIN / "jupyter-lab").exists()
        text = help_text("jupyter-lab", "--help-all")
        for option in options:
            assert option in text, option
        return
    # leading words are sub-commands; the rest are arguments (e.g. a directory)
    path = [words[0]]
    for word in words[1:]:
        try:
            help_text(*path, word)
        except AssertionError:
            break
        path.append(word)
    help_text(*words)  # every word is a sub-command or an argument the command accepts
    text = help_text(*path)
    for option in options:
        assert option in text, f"{' '.join(path)} has no {option}"


def test_the_services() -> None:
    assert {"redis", "database", "sqs", "backend", "worker", "jupyter"} <= set(SERVICES)


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_ports_are_published_on_loopback_only(name: str) -> None:
    for port in SERVICES[name].get("ports", []):
        assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port}"


@pytest.mark.parametrize("name", ["redis", "database", "sqs", "backend", "jupyter"])
def test_long_running_services_have_health_checks(name: str) -> None:
    check = SERVICES[name]["healthcheck"]
    assert check["test"][0] == "CMD" and check["retries"] >= 3


@pytest.mark.parametrize("file", ["docker-compose.yml", "docker-compose.sqs.yml"])
def test_start_order_conditions_are_satisfiable(file: str) -> None:
    services = compose(file)["services"]
    for name, service in services.items():
        for dep, rule in (service.get("depends_on") or {}).items():
            assert dep in SERVICES, f"{name} depends on unknown {dep}"
            if rule["condition"] == "service_healthy":
                assert "healthcheck" in SERVICES[dep], f"{name} waits for {dep} health"
            elif rule["condition"] == "service_completed_successfully":
                assert SERVICES[dep].get("restart") == "no"
            else:
                pytest.fail(f"{name}: unexpected condition {rule}")


def test_backend_and_worker_wait_for_their_stores() -> None:
    for name in ("backend", "worker"):
        needs = SERVICES[name]["depends_on"]
        assert needs["database"]["condition"] == "service_healthy"
        assert needs["redis"]["condition"] == "service_healthy"
        assert needs["queues"]["condition"] == "service_completed_successfully"
    assert SERVICES["jupyter"]["depends_on"]["backend"]["condition"] == "service_healthy"


def commands() -> list[tuple[str, list[str]]]:
    found = [(name, SERVICES[name]["command"]) for name in APP_SERVICES]
    found.append(("sqs healthcheck", SERVICES["sqs"]["healthcheck"]["test"][1:]))
    stack = tf.load_module(ROOT / "terraform" / "stack")
    for family in ("api", "worker"):
        block = stack.named("resource")[("aws_ecs_task_definition", family)]

        def fake(ev, type_, name, attribute):
            return f"{type_}.{name}.{attribute}"

        evaluator = tf.Evaluator(stack, {"db_password": "password1"}, resource_value=fake)
        container = yaml.safe_load(evaluator.evaluate(block.attributes()["container_definitions"]))
        found.append((f"ECS {family}", container[0]["command"]))
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.M)
    assert cmd
    found.append(("Dockerfile CMD", yaml.safe_load(cmd[1])))
    return found


@pytest.mark.parametrize(("where", "command"), commands(), ids=[c[0] for c in commands()])
def test_commands_exist_in_the_code(where: str, command: list[str]) -> None:
    check_command(command)


def environments() -> list[tuple[str, dict]]:
    envs = [(name, s.get("environment") or {}) for name, s in SERVICES.items()]
    envs += [
        (f"sqs override {n}", s.get("environment") or {})
        for n, s in compose("docker-compose.sqs.yml")["services"].items()
    ]
    dockerfile = (ROOT / "Dockerfile").read_text()
    envs.append(("Dockerfile", dict(re.findall(r"\b([A-Z][A-Z0-9_]+)=(\S+)", dockerfile))))
    return envs


@pytest.mark.parametrize(("where", "env"), environments(), ids=[e[0] for e in environments()])
def test_environment_names_are_read_by_the_code(where: str, env: dict) -> None:
    unknown = set(env) - code_env_names() - EXTERNAL_ENV
    assert not unknown, f"{where}: nothing reads {sorted(unknown)}"


def test_urls_point_at_the_services_that_serve_them() -> None:
    db = SERVICES["database"]["environment"]
    sqs_port = SERVICES["sqs"]["command"][SERVICES["sqs"]["command"].index("--port") + 1]
    backend_port = SERVICES["backend"]["command"][
        SERVICES["backend"]["command"].index("--port") + 1
    ]
    for name in ("backend", "worker", "queues", "jupyter"):
        env = SERVICES[name]["environment"]
        database = urlsplit(env["DATABASE_URL"])
        assert database.scheme == "postgresql+asyncpg"
        assert (database.hostname, database.username, database.password) == (
            "database",
            db["POSTGRES_USER"],
            db["POSTGRES_PASSWORD"],
        )
        assert database.path == f"/{db['POSTGRES_DB']}"
        assert urlsplit(env["REDIS_URL"]).hostname == "redis"
        sqs = urlsplit(env["AWS_ENDPOINT_URL_SQS"])
        assert (sqs.hostname, str(sqs.port)) == ("sqs", sqs_port)
    assert urlsplit(SERVICES["jupyter"]["environment"]["TASKOVERFLOW_URL"]).port == int(
        backend_port
    )
    # the service's own health check talks to itself
    assert urlsplit(SERVICES["sqs"]["environment"]["AWS_ENDPOINT_URL_SQS"]).hostname == "127.0.0.1"


def test_backend_health_check_hits_a_real_route(tmp_path: Path) -> None:
    from taskoverflow.app import create_app

    app = create_app({"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"})
    routes = {rule.rule for rule in app.url_map.iter_rules()}
    test = " ".join(SERVICES["backend"]["healthcheck"]["test"])
    path = re.search(r"http://127\.0\.0\.1:6400(/[\w/]+)", test)
    assert path and path[1] in routes


def test_transport_is_rq_by_default_and_sqs_with_the_override() -> None:
    from taskoverflow.jobs import TRANSPORTS

    override = compose("docker-compose.sqs.yml")["services"]
    for name in ("backend", "worker"):
        assert SERVICES[name]["environment"]["JOB_TRANSPORT"] == "rq"
        assert override[name]["environment"]["JOB_TRANSPORT"] == "sqs"
        assert override[name]["depends_on"]["sqs"]["condition"] == "service_healthy"
    assert {"rq", "sqs"} <= set(TRANSPORTS)


def test_sqs_variant_provisions_the_queue_the_app_uses_before_it_starts() -> None:
    """The app never creates queues: compose's one-shot `queues` service applies terraform/
    before the API and worker start, and terraform/ declares the queue they are told to use."""
    override = compose("docker-compose.sqs.yml")["services"]
    assert SERVICES["queues"]["command"] == ["labkit", "queues", "apply", "terraform"]
    assert SERVICES["queues"]["depends_on"]["sqs"]["condition"] == "service_healthy"
    declared = {spec.name: spec for spec in tf.queue_specs(ROOT / "terraform")}
    for name in ("backend", "worker"):
        merged_needs = {**SERVICES[name]["depends_on"], **override[name]["depends_on"]}
        assert merged_needs["queues"]["condition"] == "service_completed_successfully"
        env = {**SERVICES[name]["environment"], **override[name]["environment"]}
        settings = Settings.load({k: v for k, v in env.items() if k != "DATABASE_URL"})
        assert settings.sqs_ical_queue in declared, f"{name} uses an undeclared queue"
        assert declared[settings.sqs_ical_queue].dead_letter_target in declared


def test_the_app_is_installed_as_a_package_not_from_the_checkout() -> None:
    """TaskOverflow needs no terraform/ (or any of /app) at run time: a normal install; only
    labkit runs from the checkout."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.findall(r"pip install --no-deps (\S+)", dockerfile) == ["."]
    assert " -e " not in dockerfile and "--editable" not in dockerfile
    assert re.search(r"^ENV PYTHONPATH=/app$", dockerfile, re.M)  # labkit from the checkout


def test_dockerfile_copies_what_exists_and_ignores_secrets() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for source in re.findall(r"^COPY (\S+(?: \S+)*) \S+$", dockerfile, re.M):
        for item in source.split():
            assert (ROOT / item).exists(), f"COPY {item}: missing"
    python = tomllib_requires_python()
    assert re.search(r"^FROM python:3\.(\d+)", dockerfile, re.M)[1] == python
    ignored = (ROOT / ".dockerignore").read_text().split()
    for pattern in (".git", ".venv", ".lab", "credentials", "**/*.tfstate", ".env"):
        assert pattern in ignored, pattern


def tomllib_requires_python() -> str:
    import tomllib

    spec = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    return re.search(r"3\.(\d+)", spec)[1]


@pytest.mark.parametrize(
    "command",
    [["taskoverflow", "serve", "--nope", "1"], ["labkit", "nosuch", "serve"], ["labkit", "--x"]],
)
def test_the_command_check_catches_mistakes(command: list[str]) -> None:
    with pytest.raises(AssertionError):
        check_command(command)
