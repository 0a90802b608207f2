"""One of `parkos serve`'s processes on its own, for a supervisor that runs each process separately
(the container image's entrypoint, the systemd units and the compose stack of deploy/):

    python -m parkos.config.process web|ws|space|worker|scheduler [--print]

The command is the very one `parkos serve` starts (serve.server_commands), with the same environment
(PORT, WS_PORT = PORT+1, SPACE_PORT = PORT+2), so a deployment never drifts from what the suite runs.
HOST (default 127.0.0.1), PORT (8000) and WEB_CONCURRENCY (3 web workers) come from the environment.
``--print`` shows the command instead of running it."""

from __future__ import annotations

import os
import shlex
import sys

PROCESSES = ("web", "ws", "space", "worker", "scheduler")


def command_for(name: str, environ: dict[str, str] | None = None) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of process ``name`` of a node configured by ``environ``."""
    environ = dict(os.environ if environ is None else environ)
    environ.setdefault("DJANGO_SETTINGS_MODULE", "parkos.config.settings")
    from parkos.core.management.commands.serve import server_commands

    host = environ.get("HOST", "127.0.0.1")
    port = int(environ.get("PORT") or 8000)
    workers = int(environ.get("WEB_CONCURRENCY") or 3)
    commands = server_commands(host=host, port=port, workers=workers)
    if name not in commands:
        raise SystemExit(f"unknown process {name!r}: one of {', '.join(PROCESSES)}")
    env = {**environ, "PORT": str(port), "WS_PORT": str(port + 1), "SPACE_PORT": str(port + 2),
           "MALLOC_ARENA_MAX": environ.get("MALLOC_ARENA_MAX", "2")}
    return commands[name], env


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    show = "--print" in args
    names = [a for a in args if a != "--print"]
    if len(names) != 1:
        raise SystemExit(__doc__)
    command, env = command_for(names[0])
    if show:
        print(shlex.join(command))
        return
    sys.stdout.flush()
    os.execve(command[0], command, env)  # the supervisor sees (and signals) the server itself


if __name__ == "__main__":
    main()
