"""Build the demo site, then serve it on 127.0.0.1 and print its URL.

    .venv/bin/python scripts/serve.py              # http://127.0.0.1:8000/
    .venv/bin/python scripts/serve.py --port 0     # any free port
    .venv/bin/python scripts/serve.py --no-build   # serve _site/ as it is
    .venv/bin/python scripts/serve.py --gzip       # compressed as GitHub Pages sends it (see GZIP_SUFFIXES)

Options after these are the site build's (see scripts/build_site.py --help). Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import io
import os
import sys
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO

import build_site

# What --gzip compresses: what GitHub Pages sends with Content-Encoding: gzip to a browser that
# accepts it. Text, JavaScript, JSON and SVG, as any host; and WebAssembly, which Pages compresses
# too (seen in the wild: github.com/maxence-charriere/go-app/issues/866). Not the files that are
# compressed already (.zip, .whl, .gz), which Pages sends as they are.
GZIP_SUFFIXES = frozenset({".html", ".css", ".js", ".mjs", ".json", ".svg", ".txt", ".wasm"})


@functools.lru_cache(maxsize=256)
def gzipped(path: str, mtime_ns: int, size: int) -> bytes:
    """The file's bytes gzipped (level 6, as web servers do), kept while the file is unchanged."""
    with open(path, "rb") as f:
        return gzip.compress(f.read(), compresslevel=6, mtime=0)


class Handler(SimpleHTTPRequestHandler):
    """Static files, logging one short line per request to stderr (none when ``quiet``); with
    ``gzip``, the files GZIP_SUFFIXES names are sent compressed to a client that accepts gzip."""

    quiet = False
    gzip = False

    def send_head(self) -> BinaryIO | None:
        """As SimpleHTTPRequestHandler's, but a path no file can have (a NUL byte: %00) is a 400."""
        try:
            return (self.gzip and self.send_gzipped()) or super().send_head()
        except ValueError:  # "embedded null byte", or text that is not valid in a file name
            self.send_error(HTTPStatus.BAD_REQUEST, "Bad request path")
            return None

    def send_gzipped(self) -> BinaryIO | None:
        """The headers and body of a gzipped file, or None when this request gets no gzip."""
        if "gzip" not in self.headers.get("Accept-Encoding", ""):
            return None
        path = self.translate_path(self.path)
        if self.path.split("?")[0].endswith("/"):
            path = os.path.join(path, "index.html")
        if os.path.splitext(path)[1] not in GZIP_SUFFIXES or not os.path.isfile(path):
            return None
        status = os.stat(path)
        body = gzipped(path, status.st_mtime_ns, status.st_size)
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Last-Modified", self.date_time_string(status.st_mtime))
        self.end_headers()
        return io.BytesIO(body)

    def log_message(self, format: str, *args) -> None:
        if not self.quiet:
            sys.stderr.write(f"serve: {format % args}\n")


class Server(ThreadingHTTPServer):
    """A thread per request; a long listen queue, so a burst of requests waits instead of being refused."""

    request_queue_size = 256  # the default, 5, dropped requests in a burst (the page loads many files at once)
    daemon_threads = True  # Ctrl-C stops the server without waiting for open connections


def port_number(text: str) -> int:
    """An argparse type: a TCP port, 0 to 65535 (0: any free one)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text[:40]!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535, got {text[:40]}")
    return port


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--port", type=port_number, default=8000, help="port on 127.0.0.1 (0: any free one); default 8000"
    )
    parser.add_argument("--out", type=Path, default=build_site.ROOT / "_site", help="the site folder")
    parser.add_argument("--wheels", type=Path, default=build_site.default_wheels(), help="see build_site.py")
    parser.add_argument("--no-build", action="store_true", help="serve the folder without rebuilding it")
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    parser.add_argument("--gzip", action="store_true", help="gzip text, JS, JSON and wasm, as GitHub Pages does")
    args = parser.parse_args(argv)
    if not args.no_build:
        try:
            build_site.build(args.out, args.wheels, build_site.CDN)
        except build_site.BuildError as error:
            print(f"serve: cannot build the site: {error}", file=sys.stderr)
            return 1
    if not args.out.is_dir():
        print(f"serve: error: {args.out} is not a folder (build the site first, or drop --no-build)", file=sys.stderr)
        return 2
    Handler.quiet = args.quiet
    Handler.gzip = args.gzip
    handler = functools.partial(Handler, directory=str(args.out))
    try:
        server = Server(("127.0.0.1", args.port), handler)
    except OSError as error:
        print(f"serve: cannot listen on 127.0.0.1:{args.port} ({error.strerror}); try --port 0", file=sys.stderr)
        return 1
    print(f"ScratchNN demo: http://127.0.0.1:{server.server_port}/  (Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nserve: stopped")
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
