"""A local HTTP server on 127.0.0.1 that answers like a service's documented JSON API.

Routes map a path (query string ignored unless the route is a function) to a JSON
body; a function route gets the query and returns a body, or None for 404. Every
request is recorded, so a test can see what Perceval asked for.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

Query = dict[str, list[str]]
Route = Any  # a JSON body, or Callable[[Query], body | None]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _answer(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        if self.command == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            query.update(parse_qs(self.rfile.read(length).decode()))
        self.server.requests.append(self.command + " " + self.path)
        path = unquote(parts.path)
        route = self.server.routes.get(path)
        if route is None and self.server.fallback is not None:
            route = lambda q: self.server.fallback(path, q)  # noqa: E731
        body = route(query) if callable(route) else route
        if body is None:
            self.send_error(404)
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = _answer
    do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        return


class _Server(ThreadingHTTPServer):
    routes: dict[str, Route]
    fallback: Callable[[str, Query], Any] | None
    requests: list[str]


@contextmanager
def serve(
    build: Callable[[str], dict[str, Route]],
    fallback: Callable[[str, Query], Any] | None = None,
) -> Iterator[tuple[str, list[str]]]:
    """Serve ``build(base_url)``'s routes; yields the base URL and the request log."""
    server = _Server(("127.0.0.1", 0), _Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    server.routes, server.fallback, server.requests = build(base), fallback, []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base, server.requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
