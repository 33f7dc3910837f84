"""scripts/serve.py: serves a site folder on 127.0.0.1 and prints its URL (CPython only); refuses a
bad port, answers a path with a NUL byte with 400, and answers a burst of 200 requests; --gzip
compresses what GitHub Pages compresses."""

from __future__ import annotations

import concurrent.futures
import gzip
import http.client
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

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


@pytest.mark.parametrize("port", ["70000", "65536", "-1", "http", "8000.5"])
def test_a_port_out_of_range_is_an_argparse_error(port, tmp_path: Path):
    command = [sys.executable, str(ROOT / "scripts" / "serve.py"), "--no-build", "--out", str(tmp_path)]
    result = subprocess.run([*command, f"--port={port}"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "serve.py: error: argument --port: " in result.stderr and "Traceback" not in result.stderr


def test_serving_a_folder_that_is_not_there_is_a_clear_error(tmp_path: Path):
    command = [sys.executable, str(ROOT / "scripts" / "serve.py"), "--no-build", "--out", str(tmp_path / "site")]
    result = subprocess.run([*command, "--port", "0"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and f"{tmp_path / 'site'} is not a folder" in result.stderr


@pytest.fixture()
def server(tmp_path: Path):
    """scripts/serve.py on a free port, serving a small folder; yields (port, its log file, its pid)."""
    site = tmp_path / "site"
    site.mkdir()
    for k in range(20):
        (site / f"{k}.txt").write_text(f"file {k}\n" * 100)
    log = tmp_path / "serve.log"
    command = [sys.executable, str(ROOT / "scripts" / "serve.py"), "--no-build", "--out", str(site), "--port", "0"]
    with open(log, "w") as log_file:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log_file, text=True)
    try:
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", process.stdout.readline())
        assert match
        yield int(match.group(1)), log, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def get(port: int, path: str) -> tuple[int, bytes]:
    """One request on its own connection: (status, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_200_concurrent_requests_are_all_answered(server):
    port, log, _ = server
    start = threading.Barrier(200, timeout=60)

    def request(k: int) -> tuple[int, bytes]:
        start.wait()  # all 200 connect at once
        return get(port, f"/{k % 20}.txt")

    with concurrent.futures.ThreadPoolExecutor(max_workers=200) as pool:
        answers = list(pool.map(request, range(200), timeout=300))
    assert [status for status, _ in answers] == [200] * 200
    assert all(body == f"file {k % 20}\n".encode() * 100 for k, (_, body) in enumerate(answers))
    assert "Traceback" not in log.read_text()


@pytest.mark.parametrize("path", ["/%00", "/0.txt%00.html", "/%ed%a0%80"])  # NUL; a lone surrogate (invalid UTF-8)
def test_a_path_no_file_can_have_gets_400_and_no_traceback(server, path):
    port, log, _ = server
    status, body = get(port, path)
    assert status == 400 and b"Bad request path" in body
    assert get(port, "/0.txt")[0] == 200  # the server is still there
    text = log.read_text()
    assert "Traceback" not in text and "Exception" not in text
    assert "code 400, message Bad request path" in text


def test_connections_queue_up_while_the_server_is_busy(server):
    """With the server process stopped (SIGSTOP: it accepts nothing), 200 connections must all be
    queued by the kernel, not dropped (a listen backlog of 5 queued 6); resumed, it answers each."""
    port, _, pid = server
    sockets = []
    os.kill(pid, signal.SIGSTOP)
    try:
        with selectors.DefaultSelector() as selector:
            for _ in range(200):
                sock = socket.socket()
                sock.setblocking(False)
                sock.connect_ex(("127.0.0.1", port))
                selector.register(sock, selectors.EVENT_WRITE)
                sockets.append(sock)
            connected = set()
            while len(connected) < 200:
                ready = selector.select(timeout=30)  # loopback handshakes take microseconds; 30 s is a bound
                if not ready:
                    break
                for key, _ in ready:
                    connected.add(key.fileobj)
                    selector.unregister(key.fileobj)
        assert len(connected) == 200 and all(
            sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0 for sock in sockets
        )
    finally:
        os.kill(pid, signal.SIGCONT)
    for k, sock in enumerate(sockets):
        sock.setblocking(True)
        sock.settimeout(60)
        sock.sendall(f"GET /{k % 20}.txt HTTP/1.0\r\n\r\n".encode())
    for sock in sockets:
        with sock, sock.makefile("rb") as answer:
            assert answer.readline().startswith(b"HTTP/1.0 200")


def test_gzip_mode_compresses_what_github_pages_compresses_and_only_for_a_client_that_accepts_it(tmp_path: Path):
    files = {"index.html": b"<!doctype html><title>hi</title>" * 50, "app.js": b"export const x = 1;\n" * 500}
    files |= {"pyodide/core.wasm": b"\0asm" + bytes(range(256)) * 40, "lib.zip": b"PK\3\4" + b"z" * 4000}
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(data)
    command = [sys.executable, str(ROOT / "scripts" / "serve.py"), "--no-build", "--gzip", "--quiet"]
    process = subprocess.Popen([*command, "--out", str(tmp_path), "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        url = re.search(r"http://127\.0\.0\.1:\d+/", process.stdout.readline()).group(0)

        def get(path: str, accept: str | None) -> tuple[str | None, str, bytes]:
            headers = {"Accept-Encoding": accept} if accept else {}
            with urllib.request.urlopen(urllib.request.Request(url + path, headers=headers), timeout=10) as response:
                body = response.read()
                assert int(response.headers["Content-Length"]) == len(body)
                return response.headers["Content-Encoding"], response.headers["Content-Type"], body

        for path, name in (("", "index.html"), ("app.js", "app.js"), ("pyodide/core.wasm", "pyodide/core.wasm")):
            encoding, kind, body = get(path, "gzip, deflate, br")
            assert encoding == "gzip" and gzip.decompress(body) == files[name] and len(body) < len(files[name]), path
            assert get(path, None) == (None, kind, files[name])  # no Accept-Encoding: as it is
        assert get("pyodide/core.wasm", "gzip")[1] == "application/wasm"
        assert get("lib.zip", "gzip")[0] is None and get("lib.zip", "gzip")[2] == files["lib.zip"]  # compressed already
    finally:
        process.terminate()
        process.wait(timeout=10)
