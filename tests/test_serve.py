"""scripts/serve.py: serves a site folder on 127.0.0.1 and prints its URL (CPython only)."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_serves_the_folder_on_localhost_and_prints_the_url(tmp_path: Path):
    (tmp_path / "index.html").write_text("<!doctype html><title>hello</title>")
    (tmp_path / "x.wasm").write_bytes(b"\0asm")
    command = [sys.executable, str(ROOT / "scripts" / "serve.py"), "--no-build", "--out", str(tmp_path), "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, line
        with urllib.request.urlopen(match.group(0), timeout=10) as response:
            assert b"hello" in response.read()
        with urllib.request.urlopen(match.group(0) + "x.wasm", timeout=10) as response:
            assert response.headers["Content-Type"] == "application/wasm"  # what Pyodide's loader needs
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_busy_port_is_a_clear_error(tmp_path: Path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        command = [sys.executable, str(ROOT / "scripts" / "serve.py"), "--no-build", "--out", str(tmp_path)]
        result = subprocess.run([*command, "--port", str(port)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "--port 0" in result.stderr
