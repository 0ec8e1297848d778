"""README.md's python blocks, run against the session's `slipway dev` (the
README test, testsupport/readme, runs only its sh blocks)."""
from __future__ import annotations

import os
import re
import subprocess
import sys

from conftest import REPO


def python_blocks() -> list:
    text = (REPO / "README.md").read_text()
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.S | re.M)


def test_the_readmes_python_example_runs(dev) -> None:  # type: ignore[no-untyped-def]
    blocks = python_blocks()
    assert blocks, "README.md has no python block"
    env = dict(os.environ, SLIPWAY_SERVER=dev.url, SLIPWAY_TOKEN=dev.token,
               PYTHONPATH=str(REPO / "clients" / "python"), PYTHONDONTWRITEBYTECODE="1")
    for block in blocks:
        run = subprocess.run([sys.executable, "-c", block], env=env, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, f"the README's python block failed:\n{block}\n{run.stdout}\n{run.stderr}"
        out = run.stdout.splitlines()
        assert out[0].startswith("succeeded ") and "spec.image" in run.stdout, run.stdout
        assert out[1] == "['name', 'spec.replicas']", run.stdout
        assert re.fullmatch(r"\d+ slipway\.deployment\.created\.v1", out[-1]), run.stdout
