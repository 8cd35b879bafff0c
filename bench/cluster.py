"""Several instances behaving as one: two app instances behind nginx, sharing one
database, one Redis and one job worker — on one machine, as a province runs them
on several.

``make cluster`` starts it for people (and prints where everything is);
``tests/test_cluster.py`` and ``make soak`` start it to prove the instances agree.
The Redis is a private ``redis-server`` on a free port, keeping nothing on disk
(as the machine's does), so a test can stop and restart it; the machine's shared
services are never touched.

Environment for ``python -m bench.cluster``: ``CLUSTER_DATABASE_URL`` (default: a
fresh PostgreSQL database on the local server if it answers, else a SQLite file),
``CLUSTER_PORT`` (the proxy's, 8080), ``WORKERS`` per instance (2).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(url: str, timeout: float = 1.0) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310 - loopback
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return None


def _wait_for(what: str, check: Any, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up within {seconds:.0f} s")


NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {workdir}/nginx-body;
    proxy_temp_path {workdir}/nginx-proxy;
    fastcgi_temp_path {workdir}/nginx-fastcgi;
    uwsgi_temp_path {workdir}/nginx-uwsgi;
    scgi_temp_path {workdir}/nginx-scgi;
    upstream congdan {{
{servers}
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 12m;
        location / {{
            proxy_pass http://congdan;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_next_upstream error timeout;
        }}
    }}
}}
"""


@dataclass
class Cluster:
    """The running parts, and how to stop and start the ones a fault test breaks."""

    url: str
    instances: list[str]
    redis_url: str
    env: dict[str, str]
    workdir: Path
    redis_port: int
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def _start(
        self, name: str, args: list[str], env: Mapping[str, str] | None = None
    ) -> None:
        with (self.workdir / f"{name}.log").open("ab") as log:  # the child keeps it
            self.processes[name] = subprocess.Popen(
                args,
                cwd=ROOT,
                env=dict(env or self.env),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self, name: str) -> str:
        """What one part wrote (``instance-0``, ``worker``, ``redis``, ``proxy``)."""
        return (self.workdir / f"{name}.log").read_text(errors="replace")

    # --- Redis ---------------------------------------------------------------------

    def start_redis(self) -> None:
        """Start the private Redis (empty: it keeps nothing on disk)."""
        self._start(
            "redis",
            [
                shutil.which("redis-server") or "redis-server",
                "--port", str(self.redis_port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", str(self.workdir),
            ],
        )  # fmt: skip
        _wait_for("redis", lambda: _port_open(self.redis_port), 20)

    def kill_redis(self) -> None:
        """Stop Redis at once, losing everything it held."""
        self._kill("redis", signal.SIGKILL)

    # --- the worker ----------------------------------------------------------------

    def start_worker(self) -> None:
        """Start the one job worker."""
        self._start(
            "worker",
            [str(BIN / "flask"), "--app", "wsgi", "jobs", "worker", "--threads", "2"],
        )

    def kill_worker(self) -> None:
        """Kill the worker mid-way (SIGKILL: no chance to finish or hand back)."""
        self._kill("worker", signal.SIGKILL)

    def _kill(self, name: str, how: signal.Signals) -> None:
        process = self.processes.pop(name, None)
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, how)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # it would not stop: it must not outlive us
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def close(self) -> None:
        """Stop everything: the proxy, the instances, the worker, then Redis."""
        for name in sorted(self.processes, key=lambda n: n == "redis"):
            self._kill(name, signal.SIGTERM)


def _worker_beats(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=2) as answer:  # noqa: S310 - loopback
            return bool(json.load(answer)["checks"]["worker"] == "ok")
    except (OSError, ValueError, KeyError):
        return False


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _settings_env(settings: Mapping[str, Any]) -> dict[str, str]:
    """Application settings as ``CONGDAN_*`` variables (Flask reads them as JSON)."""
    return {f"CONGDAN_{key}": json.dumps(value) for key, value in settings.items()}


@contextlib.contextmanager
def cluster(
    database_url: str,
    workdir: Path,
    *,
    settings: Mapping[str, Any] | None = None,
    instances: int = 2,
    workers: int = 1,
    proxy_port: int | None = None,
    secret_key: str | None = None,
) -> Iterator[Cluster]:
    """Start Redis, migrate and seed the database, then the instances, the worker
    and nginx in front; stop them all when the block ends."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise RuntimeError(
            "nginx is not installed: make proxy (apt-get install nginx-light)"
        )
    redis_port = free_port()
    port = proxy_port or free_port()
    ports = [free_port() for _ in range(instances)]
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "SECRET_KEY": secret_key or secrets.token_hex(32),
        "BASE_URL": url,
        "CONGDAN_PROXY_HOPS": "1",
        "JOBS_TICK_SECONDS": "1",
        "WORKERS": str(workers),
        "PYTHONUNBUFFERED": "1",
        **_settings_env(settings or {}),
    }
    env.pop(
        "PROMETHEUS_MULTIPROC_DIR", None
    )  # each instance its own (gunicorn.conf.py)
    env.pop("JOBS_BROKER_URL", None)
    running = Cluster(
        url,
        [f"http://127.0.0.1:{p}" for p in ports],
        env["REDIS_URL"],
        env,
        workdir,
        redis_port,
    )
    try:
        running.start_redis()
        for command in (["db", "upgrade"], ["deployment", "load"], ["seed-demo"]):
            subprocess.run(
                [str(BIN / "flask"), "--app", "wsgi", *command],
                cwd=ROOT, env=env, check=True, capture_output=True,
            )  # fmt: skip
        for number, instance_port in enumerate(ports):
            running._start(
                f"instance-{number}",
                [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py",
                 "--bind", f"127.0.0.1:{instance_port}", "wsgi:app"],
            )  # fmt: skip
        running.start_worker()
        servers = "\n".join(f"        server 127.0.0.1:{p};" for p in ports)
        conf = workdir / "nginx.conf"
        conf.write_text(NGINX_CONF.format(workdir=workdir, servers=servers, port=port))
        running._start("proxy", [nginx, "-p", str(workdir), "-c", str(conf)])
        for base in (*running.instances, url):
            _wait_for(base, lambda b=base: _answers(f"{b}/livez") == 200)
        _wait_for("the worker's heartbeat", lambda: _worker_beats(url))
        yield running
    finally:
        running.close()


def main() -> None:
    """``make cluster``: run until Ctrl-C (or SIGTERM), saying where everything is."""
    # SIGTERM stops it as Ctrl-C does: everything it started is stopped and removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    workdir = Path(tempfile.mkdtemp(prefix="congdan-cluster-"))
    from bench.run import drop_database, throwaway_database

    database_url, made = throwaway_database(workdir, "cluster", "CLUSTER_DATABASE_URL")
    port = int(os.environ.get("CLUSTER_PORT", "8080"))
    workers = int(os.environ.get("WORKERS", "2"))
    try:
        with cluster(
            database_url, workdir, proxy_port=port, workers=workers
        ) as running:
            print(
                f"CongDan cluster at {running.url} (nginx), instances {', '.join(running.instances)}"
            )
            print(
                f"database {database_url.rsplit('@', 1)[-1]}, redis {running.redis_url}"
            )
            print(
                f"logs in {workdir} (instance-N.log, worker.log, proxy, redis); Ctrl-C stops"
            )
            with contextlib.suppress(KeyboardInterrupt):
                signal.pause()
    finally:
        if made:
            drop_database(made)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
