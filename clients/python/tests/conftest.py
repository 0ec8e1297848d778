"""A fresh `slipway dev` for the SDK's tests, as testsupport/readme starts
one for the README test: built from this tree (or $SLIPWAY_BIN), on a free
loopback port (--addr 127.0.0.1:0, the address read from its banner), a
temporary data folder, the simulated cluster, with --auth so requests carry
the admin token; stopped with SIGINT when the session ends."""
from __future__ import annotations

import os
import pathlib
import queue
import signal
import subprocess
import sys
import threading
import uuid
from typing import Iterator

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "clients" / "python"))

from slipway import Client  # noqa: E402


class Dev:
    def __init__(self, url: str, token: str, data: pathlib.Path) -> None:
        self.url, self.token, self.data = url, token, data

    def client(self, token: "str | None" = None) -> Client:
        return Client(self.url, token=self.token if token is None else token)


def _binary(tmp: pathlib.Path) -> str:
    given = os.environ.get("SLIPWAY_BIN")
    if given:
        return given
    out = tmp / "slipway"
    subprocess.run(["go", "build", "-o", str(out), "slipway.dev/cmd/slipway"], cwd=REPO, check=True)
    return str(out)


def _environ() -> dict:
    return {k: v for k, v in os.environ.items() if not k.startswith("SLIPWAY_") and k != "KUBECONFIG"}


@pytest.fixture(scope="session")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dev]:
    tmp = tmp_path_factory.mktemp("slipway")
    data = tmp / "data"
    cmd = [_binary(tmp), "dev", "--addr", "127.0.0.1:0", "--data", str(data), "--cluster", "simulated", "--auth",
           "--rate-limit", "0", "--read-rate-limit", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_environ(), text=True)
    urls: "queue.Queue[str]" = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.strip()
            if line.startswith("API:"):
                urls.put(line[len("API:"):].strip())

    threading.Thread(target=read, daemon=True).start()
    try:
        url = urls.get(timeout=180)
    except queue.Empty:
        proc.kill()
        raise RuntimeError("slipway dev did not print its API address within 3 minutes:\n" + proc.stderr.read())
    token = (data / "admin-token").read_text().strip()
    try:
        yield Dev(url, token, data)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def client(dev: Dev) -> Client:
    return dev.client()


@pytest.fixture
def project() -> str:
    """A project of the test's own, so tests share the stack without sharing deployments."""
    return "py/t" + uuid.uuid4().hex[:8]
