"""Static file servers on 127.0.0.1 for the end-to-end tests: the built site, or a copy of it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# A static file server, as `python -m http.server` but sending one header more when given: the
# site's Content-Security-Policy, as a host that sends headers would (then the worker is under it too).
SERVER = """
import functools, http.server, sys
folder, port, policy = sys.argv[1], int(sys.argv[2]), sys.argv[3]
class Handler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self):
        if policy:
            self.send_header("Content-Security-Policy", policy)
        super().end_headers()
    def log_message(self, *args):
        pass
handler = functools.partial(Handler, directory=folder)
http.server.ThreadingHTTPServer(("127.0.0.1", port), handler).serve_forever()
"""


@contextmanager
def serve_folder(folder: Path, policy: str = "") -> Iterator[str]:
    """Serve ``folder`` on a free 127.0.0.1 port (with ``policy`` as a Content-Security-Policy
    header on every response, if given) until the block ends; yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(folder), str(port), policy],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                urllib.request.urlopen(url + "site.json", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"the test server on port {port} did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
