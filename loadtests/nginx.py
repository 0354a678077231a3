"""Debian's nginx in front of ``quiz serve`` processes, with the configuration of
docs/deployment.md, on 127.0.0.1 — for tests/server/test_cluster_nginx.py and the cluster
benchmark (``loadtests.bench_cluster``).

Theory of operation
-------------------
``nginx_block()`` reads the ``nginx`` block of docs/deployment.md; ``Nginx.start(ports)`` puts
the given upstream ports in its ``upstream quiz``, listens on a free port of 127.0.0.1 with a
self-signed certificate (``self_signed``) and runs nginx in the foreground (``daemon off``) with
its own prefix folder, until ``stop``. Nothing else of the documented block is changed, so what
the tests and the benchmark go through is what docs/deployment.md tells an operator to install.
"""

from __future__ import annotations

import os
import re
import shutil
import ssl
import subprocess
import time
from pathlib import Path

import httpx

from loadtests.harness import die_with_parent, free_port

DOCS = Path(__file__).parents[1] / "docs" / "deployment.md"


def nginx_binary() -> str | None:
    """Debian's nginx, or None when it is not installed."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    return found or None


def nginx_block() -> str:
    """The nginx configuration documented in docs/deployment.md."""
    found = re.search(r"```nginx\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    if not found:
        raise ValueError("docs/deployment.md has no nginx block")
    return found[1]


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate and key for 127.0.0.1 in ``folder``."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


class Nginx:
    """nginx in front of upstream ports; ``start`` returns its https base URL."""

    def __init__(
        self, folder: Path, cert: Path, key: Path, *, worker_connections: int = 1024
    ) -> None:
        self.folder = folder
        self.cert, self.key = cert, key
        self.worker_connections = worker_connections
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    def config(self, ports: list[int]) -> str:
        """The whole nginx.conf: docs/deployment.md's block inside a minimal frame."""
        upstreams = "".join(
            f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=2s;\n" for port in ports
        )
        block = re.sub(
            r"(upstream quiz \{\n)(.*?)(\})", rf"\g<1>{upstreams}\g<3>", nginx_block(), flags=re.S
        )
        block = block.replace("listen 443 ssl;", f"listen 127.0.0.1:{self.port} ssl;")
        block = re.sub(r"ssl_certificate .*;", f"ssl_certificate {self.cert};", block)
        block = re.sub(r"ssl_certificate_key .*;", f"ssl_certificate_key {self.key};", block)
        prefix = self.folder
        user = "user root;\n" if os.geteuid() == 0 else ""
        files = 2 * self.worker_connections + 64
        return (
            f"{user}worker_processes 1;\nworker_rlimit_nofile {files};\ndaemon off;\n"
            f"pid {prefix}/nginx.pid;\nerror_log {prefix}/error.log warn;\n"
            f"events {{ worker_connections {self.worker_connections}; }}\n"
            f"http {{\n access_log off;\n client_body_temp_path {prefix}/body;\n"
            f" proxy_temp_path {prefix}/proxy;\n fastcgi_temp_path {prefix}/fcgi;\n"
            f" uwsgi_temp_path {prefix}/uwsgi;\n scgi_temp_path {prefix}/scgi;\n{block}\n}}\n"
        )

    @property
    def tls(self) -> ssl.SSLContext:
        """A client context that trusts the self-signed certificate."""
        return ssl.create_default_context(cafile=str(self.cert))

    def start(self, ports: list[int], binary: str | None = None) -> str:
        """Run nginx in front of ``ports`` and wait until ``/healthz`` answers through it."""
        binary = binary or nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed (apt-get install nginx)")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        config = self.folder / "nginx.conf"
        config.write_text(self.config(ports))
        self.proc = subprocess.Popen(
            [binary, "-p", str(self.folder), "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=die_with_parent,
        )
        base = f"https://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                error = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"nginx exited: {error}")
            try:
                if httpx.get(f"{base}/healthz", verify=self.tls, timeout=1).status_code == 200:
                    return base
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("nginx did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
