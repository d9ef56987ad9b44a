"""The deployment files (Dockerfile, Compose, Kubernetes, Grafana, docs) agree with the App, and run as written."""

from __future__ import annotations

import asyncio
import datetime
import fnmatch
import html.parser
import ipaddress
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import tomllib
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
COMPOSE = DEPLOY / "docker-compose.yml"
ENV_EXAMPLE = DEPLOY / "toasty.env.example"
DASHBOARD = DEPLOY / "grafana" / "toasty-dashboard.json"
SECRET_TEMPLATE = "secret.template.yaml"

# Every environment variable the App reads (bot/settings.py; README "Run it"). The deployment files may set only
# these; test_app_environment_is_what_the_settings_read keeps the list honest.
APP_ENVIRONMENT = frozenset(
    {
        "GITHUB_APP_ID",
        "GITHUB_PRIVATE_KEY",
        "GITHUB_PRIVATE_KEY_PATH",
        "GITHUB_WEBHOOK_SECRET",
        "GITHUB_API_URL",
        "DATABASE_URL",
        "TOASTY_HOST",
        "TOASTY_PORT",
        "TOASTY_WEBHOOK_PATH",
        "TOASTY_LOG_LEVEL",
        "TOASTY_LOG_FORMAT",
        "TOASTY_JOB_CONCURRENCY",
        "TOASTY_SERVE_WORKERS",
        "TOASTY_ANALYSIS_WORKERS",
        "TOASTY_INLINE_WAIT_SECONDS",
        "TOASTY_BOT_LOGIN",
        "TOASTY_POLL_MINUTES",
        "TOASTY_POLL_WINDOW_DAYS",
        "TOASTY_HALF_LIFE_DAYS",
        "TOASTY_TRUST_CONTRIBUTOR",
        "TOASTY_TRUST_OTHERS",
        "TOASTY_COLLECTIVE_PRIORS",
        "TOASTY_EXPLORATION",
        "TOASTY_SESSION_SECRET",
    }
)
# Read by Compose (to fill in docker-compose.yml), not by the App; deploy/.env holds it beside the App's settings.
COMPOSE_ENVIRONMENT = frozenset({"POSTGRES_PASSWORD"})
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|PRIVATE_KEY$")

# Every metric the App exports (bot/metrics.py), as Prometheus names them: counters with `_total`; a histogram is
# queried through its three series.
METRIC_FAMILIES = frozenset(
    {
        "toasty_deliveries_total",
        "toasty_jobs_total",
        "toasty_job_queue_depth",
        "toasty_job_queue_oldest_seconds",
        "toasty_grading_seconds",
        "toasty_github_requests_total",
        "toasty_github_rate_limit_remaining",
        "toasty_feedback_events_total",
        "toasty_strategy_updates_total",
        "toasty_api_requests_total",
    }
)
HISTOGRAMS = frozenset({"toasty_grading_seconds"})
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
METRIC_SERIES = (METRIC_FAMILIES - HISTOGRAMS) | {h + suffix for h in HISTOGRAMS for suffix in HISTOGRAM_SUFFIXES}


# Property names of a service in the Compose specification (compose-spec/compose-spec, schema/compose-spec.json).
COMPOSE_SERVICE_KEYS = frozenset(
    {
        *("annotations", "attach", "blkio_config", "build", "cap_add", "cap_drop", "cgroup", "cgroup_parent"),
        *("command", "configs", "container_name", "cpu_count", "cpu_percent", "cpu_shares", "cpu_quota"),
        *("cpu_period", "cpu_rt_period", "cpu_rt_runtime", "cpus", "cpuset", "credential_spec", "depends_on"),
        *("deploy", "develop", "device_cgroup_rules", "devices", "dns", "dns_opt", "dns_search", "domainname"),
        *("entrypoint", "env_file", "environment", "expose", "extends", "external_links", "extra_hosts", "gpus"),
        *("group_add", "healthcheck", "hostname", "image", "init", "ipc", "isolation", "label_file", "labels"),
        *("links", "logging", "mac_address", "mem_limit", "mem_reservation", "mem_swappiness", "memswap_limit"),
        *("models", "network_mode", "networks", "oom_kill_disable", "oom_score_adj", "pid", "pids_limit"),
        *("platform", "ports", "post_start", "pre_stop", "privileged", "profiles", "provider", "pull_policy"),
        *("read_only", "restart", "runtime", "scale", "secrets", "security_opt", "shm_size", "stdin_open"),
        *("stop_grace_period", "stop_signal", "storage_opt", "sysctls", "tmpfs", "tty", "ulimits", "user"),
        *("userns_mode", "uts", "volumes", "volumes_from", "working_dir"),
    }
)


# --- Dockerfile ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction, continuation lines joined, with its leading --flags."""

    keyword: str
    argument: str
    flags: dict[str, str] = field(default_factory=dict)

    def exec_form(self) -> list[str]:
        command = json.loads(self.argument)
        assert isinstance(command, list), f"{self.keyword} must use the exec (JSON) form"
        return [str(part) for part in command]


@cache
def dockerfile_stages() -> tuple[tuple[Instruction, ...], ...]:
    """The Dockerfile's instructions, grouped by stage; what comes before the first FROM is stage 0."""
    logical: list[str] = []
    current = ""
    for raw in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1].rstrip() + " "
            continue
        logical.append(current + line)
        current = ""
    assert not current, "the Dockerfile ends inside a continued line"
    stages: list[list[Instruction]] = [[]]
    for line in logical:
        keyword, _, rest = line.partition(" ")
        flags = {}
        rest = rest.strip()
        while rest.startswith("--"):
            flag, _, rest = rest.partition(" ")
            name, _, value = flag[2:].partition("=")
            flags[name] = value
            rest = rest.strip()
        instruction = Instruction(keyword.upper(), rest, flags)
        if instruction.keyword == "FROM":
            stages.append([])
        stages[-1].append(instruction)
    return tuple(tuple(stage) for stage in stages)


def final_stage() -> tuple[Instruction, ...]:
    return dockerfile_stages()[-1]


def instruction(keyword: str, stage: tuple[Instruction, ...] | None = None) -> Instruction:
    """The last instruction of that kind in the stage (the one Docker honours)."""
    found = [i for i in (final_stage() if stage is None else stage) if i.keyword == keyword]
    assert found, f"the Dockerfile's final stage has no {keyword}"
    return found[-1]


def image_environment(data_dir: Path) -> dict[str, str]:
    """The final stage's ENV, with the image's /data directory moved to data_dir."""
    env: dict[str, str] = {}
    for item in (i for i in final_stage() if i.keyword == "ENV"):
        for pair in shlex.split(item.argument):
            name, _, value = pair.partition("=")
            env[name] = value.replace("/data", str(data_dir))
    return env


def image_command() -> list[str]:
    return instruction("ENTRYPOINT").exec_form() + instruction("CMD").exec_form()


def healthcheck_command() -> list[str]:
    check = instruction("HEALTHCHECK")
    kind, _, command = check.argument.partition(" ")
    assert kind == "CMD"
    return json.loads(command)


def here(argv: list[str]) -> list[str]:
    """An image's command line, run with this virtual environment's `toasty` and Python instead."""
    local = {"toasty": str(Path(sys.executable).with_name("toasty")), "python": sys.executable}
    return [local.get(argv[0], argv[0]), *argv[1:]]


def test_dockerfile_builds_a_wheel_and_installs_it_without_build_tools() -> None:
    preamble, builder, final = dockerfile_stages()
    python_image = next(i.argument for i in preamble if i.keyword == "ARG" and i.argument.startswith("PYTHON_IMAGE="))
    assert python_image == "PYTHON_IMAGE=python:3.13-slim"
    assert builder[0].argument == "${PYTHON_IMAGE} AS builder"
    assert final[0].argument == "${PYTHON_IMAGE}"
    assert any(i.keyword == "RUN" and "pip wheel" in i.argument for i in builder)
    install = instruction("RUN")
    assert "from=builder" in install.flags["mount"]
    assert "pip install --no-index" in install.argument
    for step in (i for i in final if i.keyword == "RUN"):
        for tool in ("apt-get", "gcc", "build-essential", "curl", "wget"):
            assert tool not in step.argument, f"the final stage installs {tool}"
    assert not [i for i in final if i.keyword in {"COPY", "ADD"}], "the final stage copies nothing but the wheels"


def test_dockerfile_copies_what_the_wheel_build_needs() -> None:
    builder = dockerfile_stages()[1]
    copied = {source for i in builder if i.keyword == "COPY" for source in i.argument.split()[:-1]}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert {"pyproject.toml", project["readme"], "bot"} <= copied
    ignored = dockerignore_patterns()
    for source in copied:
        assert (ROOT / source).exists()
        assert not any(fnmatch.fnmatch(source, p.removeprefix("**/")) for p in ignored), f"{source} is ignored"


def test_the_wheel_the_image_installs_carries_every_data_file_of_the_package() -> None:
    """The image has only what the wheel has: migrations, templates and the like must be package data."""
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]
    package = ROOT / "bot"
    data = [
        path.relative_to(package).as_posix()
        for path in package.rglob("*")
        if path.is_file() and path.suffix not in {".py", ".pyc"} and "__pycache__" not in path.parts
    ]
    for name in data:
        assert any(fnmatch.fnmatch(name, pattern) for pattern in globs["bot"]), f"bot/{name} is not package data"


def test_dockerfile_runs_unprivileged_with_a_healthcheck_and_toasty_as_entrypoint() -> None:
    user, _, group = instruction("USER").argument.partition(":")
    assert user.isdigit(), "a numeric USER lets Kubernetes verify runAsNonRoot"
    assert int(user) > 0
    assert not group or int(group) > 0
    assert instruction("EXPOSE").argument == "8080"
    assert instruction("ENTRYPOINT").exec_form() == ["toasty"]
    assert instruction("CMD").exec_form() == ["serve"]
    assert instruction("WORKDIR").argument == "/data"
    assert image_environment(Path("/data"))["DATABASE_URL"] == "sqlite:////data/toasty.db"
    check = instruction("HEALTHCHECK")
    assert {"interval", "timeout", "start-period", "retries"} <= set(check.flags)
    command = healthcheck_command()
    assert command[:2] == ["python", "-c"]
    assert "urllib" in command[2]
    assert "/healthz" in command[2]


@cache
def dockerignore_patterns() -> tuple[str, ...]:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def test_dockerignore_keeps_secrets_caches_and_databases_out_of_the_context() -> None:
    patterns = set(dockerignore_patterns())
    required = {".git", ".venv", "**/__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis"}
    required |= {"toasty.db", "**/*.db", ".env", "**/.env", "**/*.pem", ".coverage", "htmlcov", "build", "dist"}
    assert required <= patterns, required - patterns


# --- the image's commands, run here -------------------------------------------------------------------------------

POSTGRES_ADMIN = os.environ.get("TOASTY_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("TOASTY_REQUIRE_POSTGRES") == "1"


def base_environment(home: Path) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(home)}


def postgres_admin(statement: str) -> None:
    import asyncpg

    async def run() -> None:
        connection = await asyncpg.connect(POSTGRES_ADMIN, timeout=5)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run())


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database, behind a plain postgresql:// URL as the deployment files write it."""
    import asyncpg

    name = f"toasty_deploy_{secrets.token_hex(6)}"
    try:
        postgres_admin(f'CREATE DATABASE "{name}"')
    except (OSError, asyncpg.PostgresError) as error:
        message = f"PostgreSQL at {POSTGRES_ADMIN} is unreachable ({error}); `toasty migrate` on PostgreSQL"
        if REQUIRE_POSTGRES:
            pytest.fail(f"{message} is mandatory here (TOASTY_REQUIRE_POSTGRES=1)")
        pytest.skip(f"{message} is skipped")
    try:
        yield f"{POSTGRES_ADMIN.rsplit('/', 1)[0]}/{name}"
    finally:
        postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrate_command() -> list[str]:
    """What Compose's `migrate` service runs in the image; the Kubernetes Job must run the same."""
    compose = image_entrypoint() + compose_file()["services"]["migrate"]["command"]
    job = container(resource("Job"))
    assert compose == job["command"] + job["args"] == ["toasty", "migrate"]
    return compose


def test_migrate_command_brings_a_postgresql_database_up_to_date(postgres_url: str, tmp_path: Path) -> None:
    env = base_environment(tmp_path) | image_environment(tmp_path) | {"DATABASE_URL": postgres_url}
    done = subprocess.run(
        here(migrate_command()), check=False, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "is up to date" in done.stdout


def image_entrypoint() -> list[str]:
    return instruction("ENTRYPOINT").exec_form()


def test_image_commands_migrate_serve_and_pass_their_healthchecks(tmp_path: Path) -> None:
    """ENTRYPOINT + CMD as the container runs them, probed with the exact HEALTHCHECK and Compose health check;
    `migrate` meanwhile, in a second container's data directory, on the image's default SQLite database."""
    port = free_port()
    env = base_environment(tmp_path) | image_environment(tmp_path)
    env |= {"GITHUB_WEBHOOK_SECRET": "s3cret", "TOASTY_HOST": "127.0.0.1", "TOASTY_PORT": str(port)}
    other = tmp_path / "migrate"
    other.mkdir()
    migrate_env = base_environment(other) | image_environment(other)
    image_check = here(healthcheck_command())
    compose_check = here(compose_file()["services"]["toasty"]["healthcheck"]["test"][1:])
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        process = subprocess.Popen(here(image_command()), cwd=tmp_path, env=env, stdout=output, stderr=output)
        migrate = subprocess.Popen(
            here(migrate_command()), cwd=other, env=migrate_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        try:
            wait_until_listening(port, process, log)
            healthy = subprocess.run(image_check, check=False, env=env, capture_output=True, text=True, timeout=10)
            assert healthy.returncode == 0, healthy.stderr
            ready = subprocess.run(compose_check, check=False, env=env, capture_output=True, text=True, timeout=10)
            assert ready.returncode == 0, ready.stderr
            annotations = pod_template(resource("Deployment"))["metadata"]["annotations"]
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{annotations['prometheus.io/path']}") as response:
                exposition = response.read().decode()
        finally:
            process.send_signal(signal.SIGTERM)  # what `docker stop` and Kubernetes send
            process.wait(timeout=30)
            migrated, migrate_errors = migrate.communicate(timeout=60)
    assert process.returncode == 0, log.read_text()
    assert (tmp_path / "toasty.db").exists(), "the image's DATABASE_URL points into its data directory"
    assert exported_series(exposition) >= METRIC_SERIES
    stopped = subprocess.run(image_check, check=False, env=env, capture_output=True, timeout=10)
    assert stopped.returncode != 0, "the HEALTHCHECK must fail when nothing answers"
    assert migrate.returncode == 0, migrate_errors.decode()
    assert b"is up to date" in migrated
    assert (other / "toasty.db").exists()


def wait_until_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except OSError:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "toasty serve did not answer within a minute: " + log.read_text()
            time.sleep(0.1)


def exported_series(exposition: str) -> set[str]:
    """Series names from `# TYPE` lines: counters as written, histograms expanded to their three series."""
    series = set()
    for line in exposition.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            series |= {name + suffix for suffix in HISTOGRAM_SUFFIXES} if kind == "histogram" else {name}
    return series


def test_every_command_the_deploy_files_run_is_a_toasty_command() -> None:
    from bot.cli.main import build_parser

    commands = {"Dockerfile": image_command()}
    for name, service in compose_file()["services"].items():
        if "command" in service and service.get("image", "").startswith("${TOASTY_IMAGE"):
            commands[f"compose {name}"] = image_entrypoint() + service["command"]
    for document in kubernetes_documents():
        if document["kind"] in {"Deployment", "Job"}:
            item = container(document)
            commands[f"{document['kind']} {document['metadata']['name']}"] = item["command"] + item["args"]
    assert len(commands) == 7  # the image, Compose's migrate, web and worker, Kubernetes' web, worker and Job
    for where, argv in commands.items():
        assert argv[0] == "toasty", where
        try:
            build_parser().parse_args(argv[1:])
        except SystemExit:
            pytest.fail(f"{where}: `toasty` does not accept {argv[1:]}")


# --- Docker Compose -----------------------------------------------------------------------------------------------


@cache
def compose_file() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_compose_file_uses_only_known_service_keys() -> None:
    compose = compose_file()
    assert set(compose) <= {"name", "services", "volumes", "secrets", "networks", "configs"} | {
        key for key in compose if key.startswith("x-")
    }
    for name, service in compose["services"].items():
        assert set(service) <= COMPOSE_SERVICE_KEYS, (name, set(service) - COMPOSE_SERVICE_KEYS)


def test_compose_starts_postgres_then_migrations_then_toasty() -> None:
    services = compose_file()["services"]
    assert set(services) == {"postgres", "migrate", "toasty", "worker"}
    postgres, migrate, toasty = services["postgres"], services["migrate"], services["toasty"]
    assert postgres["image"].startswith("postgres:16")
    assert postgres["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert toasty["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    assert migrate["restart"] == "no"
    assert migrate["healthcheck"] == {"disable": True}
    assert postgres["restart"] == toasty["restart"] == "unless-stopped"
    assert toasty["healthcheck"]["test"][:3] == ["CMD", "python", "-c"]
    assert "/readyz" in toasty["healthcheck"]["test"][3]
    assert migrate["image"] == toasty["image"]
    assert toasty["ports"] == ["127.0.0.1:8080:8080"], "published on loopback only, behind a TLS proxy"


def test_compose_keeps_the_database_in_a_named_volume() -> None:
    compose = compose_file()
    volume, _, target = compose["services"]["postgres"]["volumes"][0].partition(":")
    assert volume in compose["volumes"]
    assert target == "/var/lib/postgresql/data"


def test_compose_keeps_secrets_out_of_the_file() -> None:
    compose = compose_file()
    for name, service in compose["services"].items():
        for variable, value in (service.get("environment") or {}).items():
            if SECRET_NAME.search(variable):
                assert re.fullmatch(r"\$\{[A-Z_]+(:\?[^}]*)?\}", str(value)), f"{name}: {variable} is inline"
    for name in ("migrate", "toasty"):
        service = compose["services"][name]
        assert service["env_file"] == ".env"
        url = service["environment"]["DATABASE_URL"]
        assert url.startswith("postgresql://toasty:${POSTGRES_PASSWORD")
        assert url.endswith("@postgres:5432/toasty")
    toasty = compose["services"]["toasty"]
    (mounted,) = toasty["secrets"]
    assert compose["secrets"][mounted["source"]] == {"file": "./github-app.pem"}
    assert toasty["environment"]["GITHUB_PRIVATE_KEY_PATH"] == f"/run/secrets/{mounted['target']}"
    assert toasty["read_only"] is True
    for path in ("deploy/.env", "deploy/github-app.pem"):
        ignored = subprocess.run(["git", "check-ignore", "--quiet", path], cwd=ROOT, check=False)
        assert ignored.returncode == 0, f"{path} would not be ignored by git"


def test_compose_sets_only_variables_the_app_reads() -> None:
    for name in ("migrate", "toasty"):
        assert set(compose_file()["services"][name]["environment"]) <= APP_ENVIRONMENT, name
    interpolated = set(re.findall(r"\$\{([A-Z_]+)", COMPOSE.read_text(encoding="utf-8")))
    assert interpolated - {"TOASTY_IMAGE"} <= COMPOSE_ENVIRONMENT


def env_example() -> tuple[dict[str, str], set[str]]:
    """The variables the example sets (uncommented), and every variable it lists (commented or not)."""
    assigned: dict[str, str] = {}
    listed: set[str] = set()
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if match := re.fullmatch(r"([A-Z][A-Z0-9_]*)=(.*)", line):
            assigned[match[1]] = match[2]
        if match := re.fullmatch(r"#? ?([A-Z][A-Z0-9_]*)=.*", line):
            listed.add(match[1])
    return assigned, listed


def test_env_example_lists_every_setting_and_holds_no_secret() -> None:
    assigned, listed = env_example()
    assert listed == APP_ENVIRONMENT | COMPOSE_ENVIRONMENT
    assert set(assigned) >= {"POSTGRES_PASSWORD", "GITHUB_WEBHOOK_SECRET", "GITHUB_APP_ID"}
    for variable, value in assigned.items():
        if SECRET_NAME.search(variable):
            assert value == "", f"{variable} has a value in the example"
    assert "TOASTY_SESSION_SECRET" not in assigned, "an empty session secret would sign cookies with an empty key"


def test_app_environment_is_what_the_settings_read() -> None:
    from bot.settings import Settings

    aliases = {str(info.validation_alias) for info in Settings.model_fields.values()}
    assert aliases == APP_ENVIRONMENT, (
        "update APP_ENVIRONMENT here, deploy/toasty.env.example and, if deployments should set it, "
        f"deploy/kubernetes/configmap.yaml: added {aliases - APP_ENVIRONMENT}, gone {APP_ENVIRONMENT - aliases}"
    )


# --- Kubernetes ---------------------------------------------------------------------------------------------------


@cache
def kubernetes_files() -> dict[str, tuple[dict[str, Any], ...]]:
    return {
        path.name: tuple(d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d)
        for path in sorted(KUBERNETES.glob("*.yaml"))
    }


def kubernetes_documents(*, with_template: bool = True) -> list[dict[str, Any]]:
    return [
        document
        for name, documents in kubernetes_files().items()
        if name != "kustomization.yaml" and (with_template or name != SECRET_TEMPLATE)
        for document in documents
    ]


def resource(kind: str, name: str | None = None) -> dict[str, Any]:
    """The one manifest of this kind (and name, where there are several: the web `toasty` and `toasty-worker`)."""
    found = [d for d in kubernetes_documents() if d["kind"] == kind]
    if name is not None or len(found) > 1:
        found = [d for d in found if d["metadata"]["name"] == (name or "toasty")]
    (only,) = found
    return only


def pod_template(document: dict[str, Any]) -> dict[str, Any]:
    template: dict[str, Any] = document["spec"]["template"]
    return template


def container(document: dict[str, Any]) -> dict[str, Any]:
    (only,) = pod_template(document)["spec"]["containers"]
    return dict(only)


EXPECTED_KINDS = {
    "configmap.yaml": ("v1", "ConfigMap"),
    "deployment.yaml": ("apps/v1", "Deployment"),
    "worker-deployment.yaml": ("apps/v1", "Deployment"),
    "hpa.yaml": ("autoscaling/v2", "HorizontalPodAutoscaler"),
    "worker-hpa.yaml": ("autoscaling/v2", "HorizontalPodAutoscaler"),
    "ingress.yaml": ("networking.k8s.io/v1", "Ingress"),
    "migration-job.yaml": ("batch/v1", "Job"),
    "pdb.yaml": ("policy/v1", "PodDisruptionBudget"),
    SECRET_TEMPLATE: ("v1", "Secret"),
    "service.yaml": ("v1", "Service"),
    "kustomization.yaml": ("kustomize.config.k8s.io/v1beta1", "Kustomization"),
}


def test_every_manifest_parses_and_names_no_namespace() -> None:
    files = kubernetes_files()
    assert {name: [(d["apiVersion"], d["kind"]) for d in docs] for name, docs in files.items()} == {
        name: [kind] for name, kind in EXPECTED_KINDS.items()
    }
    for document in kubernetes_documents():
        assert document["metadata"]["name"]
        assert "namespace" not in document["metadata"], "the manifests are namespace-agnostic"
    assert "namespace" not in files["kustomization.yaml"][0]


def test_manifests_validate_against_the_kubernetes_schemas() -> None:
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    from kubernetes_validate.utils import all_versions

    # The oldest and the newest Kubernetes the package has schemas for; strict: unknown fields are errors.
    for version in (all_versions()[0], all_versions()[-1]):
        for document in kubernetes_documents():
            try:
                kubernetes_validate.validate(document, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                where = ".".join(map(str, error.absolute_path))
                pytest.fail(f"{document['kind']} on Kubernetes {version}: {where}: {error.message}")


def test_kustomization_lists_every_manifest_but_the_secret_template() -> None:
    (kustomization,) = kubernetes_files()["kustomization.yaml"]
    listed = kustomization["resources"]
    assert sorted(listed) == sorted(set(EXPECTED_KINDS) - {"kustomization.yaml", SECRET_TEMPLATE})
    assert SECRET_TEMPLATE not in listed, "`kubectl apply -k` would overwrite the real Secret with placeholders"
    (image,) = kustomization["images"]
    assert image["name"] == container(resource("Deployment"))["image"] == container(resource("Job"))["image"]


@cache
def kustomize_build() -> list[dict[str, Any]]:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed: `kubectl kustomize` is not checked")
    built = subprocess.run(
        ["kubectl", "kustomize", str(KUBERNETES)], capture_output=True, text=True, timeout=60, check=False
    )
    assert built.returncode == 0, built.stderr
    return [d for d in yaml.safe_load_all(built.stdout) if d]


def test_kustomize_builds_the_manifests_with_the_image_set() -> None:
    built = kustomize_build()
    assert sorted(d["kind"] for d in built) == sorted(d["kind"] for d in kubernetes_documents(with_template=False))
    (kustomization,) = kubernetes_files()["kustomization.yaml"]
    (image,) = kustomization["images"]
    for document in built:
        assert document["metadata"]["labels"]["app.kubernetes.io/part-of"] == "toasty"
        if document["kind"] in {"Deployment", "Job"}:
            assert container(document)["image"] == f"{image['newName']}:{image['newTag']}"


def test_deployment_runs_two_unprivileged_replicas_with_probes() -> None:
    deployment = resource("Deployment")
    pod = pod_template(deployment)
    spec = pod["spec"]
    server = container(deployment)
    assert deployment["spec"]["replicas"] >= 2
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert str(spec["securityContext"]["runAsUser"]) == instruction("USER").argument.partition(":")[0]
    assert server["securityContext"]["readOnlyRootFilesystem"] is True
    assert server["securityContext"]["allowPrivilegeEscalation"] is False
    assert server["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert spec["enableServiceLinks"] is False, "the Service `toasty` would set TOASTY_PORT=tcp://..."
    assert spec["automountServiceAccountToken"] is False
    volumes = {volume["name"]: volume for volume in spec["volumes"]}
    mounts = {mount["mountPath"]: mount for mount in server["volumeMounts"]}
    assert {mount["name"] for mount in mounts.values()} == set(volumes)
    assert "emptyDir" in volumes[mounts["/tmp"]["name"]], "a writable /tmp on a read-only root filesystem"
    assert {"cpu", "memory"} <= set(server["resources"]["requests"])
    assert "memory" in server["resources"]["limits"]
    (port,) = server["ports"]
    assert port["containerPort"] == int(instruction("EXPOSE").argument)
    env = {item["name"]: item.get("value") for item in server["env"]}
    assert env["TOASTY_PORT"] == str(port["containerPort"])
    probes = {kind: server[kind]["httpGet"] for kind in ("startupProbe", "livenessProbe", "readinessProbe")}
    assert probes["readinessProbe"] == {"path": "/readyz", "port": port["name"]}
    assert probes["livenessProbe"] == probes["startupProbe"] == {"path": "/healthz", "port": port["name"]}
    annotations = pod["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(port["containerPort"])
    assert annotations["prometheus.io/path"] == "/metrics"


def test_deployment_reads_what_the_secret_template_and_configmap_hold() -> None:
    deployment, secret, config = resource("Deployment"), resource("Secret"), resource("ConfigMap")
    server = container(deployment)
    read_as_env = {
        item["valueFrom"]["secretKeyRef"]["key"]
        for item in [*server["env"], *container(resource("Job"))["env"]]
        if "valueFrom" in item and item["valueFrom"]["secretKeyRef"]["name"] == secret["metadata"]["name"]
    }
    volumes = {volume["name"]: volume for volume in pod_template(deployment)["spec"]["volumes"]}
    key_volume = next(
        v for v in volumes.values() if v.get("secret", {}).get("secretName") == secret["metadata"]["name"]
    )
    (key_file,) = key_volume["secret"]["items"]
    assert read_as_env | {key_file["key"]} == set(secret["stringData"])
    assert "TOASTY_SESSION_SECRET" in read_as_env, "several replicas must share the session secret"
    mount = next(m for m in server["volumeMounts"] if m["name"] == key_volume["name"])
    assert mount["readOnly"] is True
    env = {item["name"]: item.get("value") for item in server["env"]}
    assert env["GITHUB_PRIVATE_KEY_PATH"] == f"{mount['mountPath']}/{key_file['path']}"
    for item in (resource("Deployment"), resource("Job")):
        (source,) = container(item)["envFrom"]
        assert source["configMapRef"]["name"] == config["metadata"]["name"]
    for key, value in secret["stringData"].items():
        assert "REPLACE" in value, f"the template's {key} must be a placeholder"


def test_manifests_set_only_variables_the_app_reads() -> None:
    config = resource("ConfigMap")["data"]
    assert set(config) <= APP_ENVIRONMENT
    for kind in ("Deployment", "Job"):
        assert {item["name"] for item in container(resource(kind))["env"]} <= APP_ENVIRONMENT, kind
    secret_variables = set(resource("Secret")["stringData"]) - {"github-app-private-key.pem"}
    assert secret_variables <= APP_ENVIRONMENT
    cpu_limit = container(resource("Deployment"))["resources"]["limits"]["cpu"]
    assert config["TOASTY_ANALYSIS_WORKERS"] == cpu_limit, "one grading process per CPU the container may use"


def test_migration_job_runs_toasty_migrate_like_the_deployment_runs_serve() -> None:
    job, deployment = resource("Job"), resource("Deployment")
    migrate, server = container(job), container(deployment)
    assert migrate["command"] + migrate["args"] == ["toasty", "migrate"]
    assert server["command"] + server["args"] == ["toasty", "serve"]
    assert migrate["image"] == server["image"]
    spec = pod_template(job)["spec"]
    assert spec["restartPolicy"] in {"Never", "OnFailure"}
    assert spec["enableServiceLinks"] is False
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert migrate["securityContext"]["readOnlyRootFilesystem"] is True
    assert job["spec"]["backoffLimit"] >= 1
    database = [item for item in migrate["env"] if item["name"] == "DATABASE_URL"]
    assert database == [item for item in server["env"] if item["name"] == "DATABASE_URL"]


def test_service_hpa_and_budget_point_at_the_deployments_pods() -> None:
    deployment = resource("Deployment")
    labels = pod_template(deployment)["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    service = resource("Service")
    assert service["spec"]["selector"].items() <= labels.items()
    port_names = {port["name"] for port in container(deployment)["ports"]}
    assert {port["targetPort"] for port in service["spec"]["ports"]} <= port_names
    hpa = resource("HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": deployment["apiVersion"],
        "kind": "Deployment",
        "name": deployment["metadata"]["name"],
    }
    assert hpa["spec"]["minReplicas"] == deployment["spec"]["replicas"]
    assert hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
    (metric,) = hpa["spec"]["metrics"]
    assert (metric["type"], metric["resource"]["name"], metric["resource"]["target"]["type"]) == (
        "Resource",
        "cpu",
        "Utilization",
    )
    budget = resource("PodDisruptionBudget")
    assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert budget["spec"]["minAvailable"] < deployment["spec"]["replicas"]


def test_workers_run_apart_from_the_web_and_scale_on_the_queue_depth() -> None:
    web, worker = resource("Deployment", "toasty"), resource("Deployment", "toasty-worker")
    server, processing = container(web), container(worker)
    assert processing["command"] + processing["args"] == ["toasty", "worker"]
    assert processing["image"] == server["image"]
    web_env = {item["name"]: item for item in server["env"]}
    worker_env = {item["name"]: item for item in processing["env"]}
    assert web_env.pop("TOASTY_SERVE_WORKERS")["value"] == "false", "the web leaves the deliveries to the workers"
    assert worker_env == web_env, "the workers read the same settings and secrets as the web"
    assert processing["envFrom"] == server["envFrom"]
    assert processing["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert processing["readinessProbe"]["httpGet"]["path"] == "/readyz"
    worker_labels = pod_template(worker)["metadata"]["labels"]
    assert not resource("Service")["spec"]["selector"].items() <= worker_labels.items(), "webhooks go to the web only"
    assert pod_template(worker)["metadata"]["annotations"]["prometheus.io/path"] == "/metrics"
    hpa = resource("HorizontalPodAutoscaler", "toasty-worker")
    assert hpa["spec"]["scaleTargetRef"]["name"] == worker["metadata"]["name"]
    assert hpa["spec"]["minReplicas"] == worker["spec"]["replicas"] < hpa["spec"]["maxReplicas"]
    (metric,) = hpa["spec"]["metrics"]
    assert metric["type"] == "External"
    assert metric["external"]["metric"]["name"] in METRIC_SERIES, "a metric Toasty exports"
    assert metric["external"]["metric"]["name"] == "toasty_job_queue_depth"


def test_compose_runs_a_worker_service_beside_the_web() -> None:
    services = compose_file()["services"]
    web, worker = services["toasty"], services["worker"]
    assert worker["command"] == ["worker"]
    assert web["environment"]["TOASTY_SERVE_WORKERS"] == "false"
    assert worker["depends_on"] == web["depends_on"]
    assert worker["image"] == web["image"]
    assert worker["environment"]["DATABASE_URL"] == web["environment"]["DATABASE_URL"]
    assert "ports" not in worker, "webhooks go to the web service only"
    assert "/readyz" in worker["healthcheck"]["test"][3]


def test_ingress_routes_the_webhook_to_the_service_over_tls() -> None:
    ingress, service = resource("Ingress"), resource("Service")
    manifest = json.loads((DEPLOY / "github-app-manifest.json").read_text(encoding="utf-8"))
    webhook = urllib.parse.urlsplit(manifest["hook_attributes"]["url"])
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"] == webhook.hostname
    assert webhook.hostname in ingress["spec"]["tls"][0]["hosts"]
    path = resource("ConfigMap")["data"]["TOASTY_WEBHOOK_PATH"]
    assert path == webhook.path
    routes = rule["http"]["paths"]
    matching = [
        route
        for route in routes
        if (route["pathType"] == "Exact" and route["path"] == path)
        or (route["pathType"] == "Prefix" and path.startswith(route["path"]))
    ]
    assert matching, f"no Ingress path reaches {path}"
    service_ports = {port["name"] for port in service["spec"]["ports"]}
    for route in matching:
        backend = route["backend"]["service"]
        assert backend["name"] == service["metadata"]["name"]
        assert backend["port"]["name"] in service_ports


# --- Grafana ------------------------------------------------------------------------------------------------------


@cache
def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return loaded


def queries() -> list[str]:
    return [target["expr"] for panel in dashboard()["panels"] for target in panel.get("targets", [])]


def as_promql(expression: str) -> str:
    """A panel's query with Grafana's variables filled in, as Prometheus would receive it."""
    return expression.replace("$__rate_interval", "5m").replace("$job", ".*")


def test_dashboard_has_a_prometheus_datasource_variable_and_well_formed_panels() -> None:
    board = dashboard()
    variables = {variable["name"]: variable for variable in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    panels = board["panels"]
    assert len({panel["id"] for panel in panels}) == len(panels)
    for panel in panels:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        if panel["type"] != "row":
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
            assert panel["targets"], panel["title"]
            assert all(t["datasource"] == panel["datasource"] for t in panel["targets"]), panel["title"]


def test_dashboard_queries_only_metrics_the_app_exports_and_covers_them_all() -> None:
    used = {name for expr in queries() for name in re.findall(r"\btoasty_[a-z_]+", expr)}
    assert used <= METRIC_SERIES, used - METRIC_SERIES
    for family in METRIC_FAMILIES:
        assert any(family in expr for expr in queries()), f"no panel shows {family}"
    grading = [expr for expr in queries() if "toasty_grading_seconds_bucket" in expr]
    assert any(expr.startswith("histogram_quantile(0.5,") for expr in grading)
    assert any(expr.startswith("histogram_quantile(0.95,") for expr in grading)


def test_dashboard_queries_are_valid_promql() -> None:
    promql_parser = pytest.importorskip("promql_parser")

    def selectors(node: Any) -> Iterator[str]:
        if type(node).__name__ == "VectorSelector":
            yield node.name
        for attribute in ("expr", "lhs", "rhs", "param", "vector_selector"):
            child = getattr(node, attribute, None)
            if child is not None and type(child).__module__ == promql_parser.__name__:
                yield from selectors(child)
        for child in getattr(node, "args", None) or []:
            yield from selectors(child)

    for expression in queries():
        try:
            parsed = promql_parser.parse(as_promql(expression))
        except ValueError as error:
            pytest.fail(f"{expression}: {error}")
        assert set(selectors(parsed)) <= METRIC_SERIES, expression


def test_metric_list_is_what_the_app_exports() -> None:
    from bot.metrics import Metrics

    exported = {name for name in exported_series(Metrics().exposition().decode()) if not name.endswith("_created")}
    assert exported == METRIC_SERIES, "update METRIC_SERIES, the Grafana dashboard and docs/deployment.md"


# --- docs ---------------------------------------------------------------------------------------------------------

DOCS = [ROOT / "docs" / "deployment.md", ROOT / "docs" / "enterprise-server.md"]


@pytest.mark.parametrize("document", DOCS, ids=lambda path: path.name)
def test_docs_link_to_files_that_exist(document: Path) -> None:
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", document.read_text(encoding="utf-8")):
        if not target.startswith(("http://", "https://")):
            assert (document.parent / target).exists(), f"{document.name} links to {target}"


def test_deployment_doc_lists_every_metric() -> None:
    text = DOCS[0].read_text(encoding="utf-8")
    for family in METRIC_FAMILIES:
        assert f"`{family}" in text, family


def selects(selector: str, labels: dict[str, str]) -> bool:
    """kubectl's label selectors as the docs use them: `key=value` and `key in (a,b)`, comma-joined."""
    for requirement in re.findall(r"[^,(]+(?:\([^)]*\))?", selector):
        if match := re.fullmatch(r"\s*([\w./-]+)\s+in\s+\(([^)]*)\)\s*", requirement):
            if labels.get(match[1]) not in {value.strip() for value in match[2].split(",")}:
                return False
        else:
            key, _, value = requirement.partition("=")
            if labels.get(key.strip()) != value.strip():
                return False
    return True


def test_deployment_doc_applies_the_migration_job_with_what_it_reads_first() -> None:
    selectors = set(re.findall(r"kubectl apply -k \S+ -n \S+ -l '([^']+)'", DOCS[0].read_text(encoding="utf-8")))
    assert selectors
    for selector in selectors:
        chosen = {
            d["kind"] for d in kubernetes_documents(with_template=False) if selects(selector, d["metadata"]["labels"])
        }
        assert chosen == {"Job", "ConfigMap"}, selector


def test_enterprise_server_graphql_url_is_derived_from_the_rest_url() -> None:
    from bot.settings import Settings

    settings = Settings(_env_file=None, GITHUB_API_URL="https://ghes.example.com/api/v3/")  # type: ignore[call-arg]
    assert settings.graphql_url == "https://ghes.example.com/api/graphql"
    assert "`https://ghes.example.com/api/graphql`" in DOCS[1].read_text(encoding="utf-8")


class _Form(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.attributes: dict[str, dict[str, str | None]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes[tag] = dict(attrs)


def test_enterprise_server_registration_snippet_writes_the_manifest_form(tmp_path: Path) -> None:
    blocks = re.findall(r"```sh\n(.*?)```", DOCS[1].read_text(encoding="utf-8"), re.DOTALL)
    (snippet,) = [block for block in blocks if "register-toasty.html" in block]
    invocation = "python3 - ghes.example.com toasty.example.com"
    assert invocation in snippet
    snippet = snippet.replace(invocation, f"{shlex.quote(sys.executable)} - ghes.test toasty.test")
    (tmp_path / "deploy").mkdir()
    shutil.copy(DEPLOY / "github-app-manifest.json", tmp_path / "deploy")
    subprocess.run(["bash", "-euc", snippet], cwd=tmp_path, check=True, timeout=30)
    form = _Form()
    form.feed((tmp_path / "register-toasty.html").read_text(encoding="utf-8"))
    assert form.attributes["form"] == {"action": "https://ghes.test/settings/apps/new", "method": "post"}
    manifest = json.loads(form.attributes["input"]["value"] or "")
    original = json.loads((DEPLOY / "github-app-manifest.json").read_text(encoding="utf-8"))
    assert manifest["hook_attributes"]["url"] == "https://toasty.test/webhook"
    assert manifest["default_permissions"] == original["default_permissions"]
    assert manifest["default_events"] == original["default_events"]


def test_enterprise_server_ca_patch_applies_to_the_deployment(tmp_path: Path) -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", DOCS[1].read_text(encoding="utf-8"), re.DOTALL)
    (patch,) = [block for block in blocks if "kind: Deployment" in block]
    (tmp_path / "ca.yaml").write_text(patch, encoding="utf-8")
    overlay = {"resources": [os.path.relpath(KUBERNETES, tmp_path)], "patches": [{"path": "ca.yaml"}]}
    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump(overlay), encoding="utf-8")
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed: the overlay is not built")
    built = subprocess.run(["kubectl", "kustomize", str(tmp_path)], capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr
    deployments = [d for d in yaml.safe_load_all(built.stdout) if d and d["kind"] == "Deployment"]
    assert sorted(d["metadata"]["name"] for d in deployments) == ["toasty", "toasty-worker"]  # both talk to GitHub
    for deployment in deployments:
        server = container(deployment)
        env = {item["name"]: item for item in server["env"]}
        assert env["SSL_CERT_FILE"]["value"] == "/etc/toasty-ca/ca-bundle.pem"
        original = container(resource("Deployment", deployment["metadata"]["name"]))
        assert set(env) - {"SSL_CERT_FILE"} == {item["name"] for item in original["env"]}
        assert {m["mountPath"] for m in server["volumeMounts"]} >= {"/etc/toasty-ca", "/tmp"}


# The claim in docs/enterprise-server.md: the App's HTTP client (aiohttp, created as bot/web/app.py creates it)
# trusts a private CA named by SSL_CERT_FILE or SSL_CERT_DIR, and ignores REQUESTS_CA_BUNDLE.
CLIENT = """
import asyncio, sys, aiohttp
async def main():
    async with aiohttp.ClientSession() as session, session.get(sys.argv[1]) as response:
        print(response.status)
asyncio.run(main())
"""


@dataclass
class PrivateCA:
    ca: Path
    certificate: Path
    key: Path


def private_ca(directory: Path) -> PrivateCA:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])

    def valid(builder: x509.CertificateBuilder) -> x509.CertificateBuilder:
        return builder.not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(
            now + datetime.timedelta(days=1)
        )

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        valid(x509.CertificateBuilder())
        .subject_name(name("Toasty test CA"))
        .issuer_name(name("Toasty test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        valid(x509.CertificateBuilder())
        .subject_name(name("localhost"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = PrivateCA(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    paths.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths.certificate.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


async def test_private_ca_is_trusted_through_ssl_cert_file_and_dir(tmp_path: Path) -> None:
    from aiohttp import web

    authority = private_ca(tmp_path)
    hashed = tmp_path / "certs"
    hashed.mkdir()
    shutil.copy(authority.ca, hashed / "ca.pem")
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to hash a certificate directory")
    subprocess.run(["openssl", "rehash", str(hashed)], check=True, capture_output=True, timeout=30)

    async def meta(request: web.Request) -> web.Response:
        return web.json_response({"installed_version": "3.18"})

    app = web.Application()
    app.router.add_get("/api/v3/meta", meta)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(authority.certificate, authority.key)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    url = f"https://localhost:{listener.getsockname()[1]}/api/v3/meta"
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await web.SockSite(runner, listener, ssl_context=context).start()
        cases = {
            "default trust store": {},
            "SSL_CERT_FILE": {"SSL_CERT_FILE": str(authority.ca)},
            "SSL_CERT_DIR": {"SSL_CERT_DIR": str(hashed)},
            "REQUESTS_CA_BUNDLE": {"REQUESTS_CA_BUNDLE": str(authority.ca)},
        }

        async def trusted(extra: dict[str, str]) -> bool:
            client = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                CLIENT,
                url,
                env=base_environment(tmp_path) | extra,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            out, _ = await asyncio.wait_for(client.communicate(), timeout=30)
            return client.returncode == 0 and out.strip() == b"200"

        outcomes = await asyncio.gather(*(trusted(extra) for extra in cases.values()))
    finally:
        await runner.cleanup()
    assert dict(zip(cases, outcomes, strict=True)) == {
        "default trust store": False,
        "SSL_CERT_FILE": True,
        "SSL_CERT_DIR": True,
        "REQUESTS_CA_BUNDLE": False,
    }
