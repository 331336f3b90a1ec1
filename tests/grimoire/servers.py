"""OpenSearch stand-ins on 127.0.0.1: osmem-server, a stub that answers one way, a TLS proxy.

osmem-server (PyPI) serves an in-memory OpenSearch-compatible cluster from a Go binary in its
wheel; it has no authentication and no TLS, so :func:`stub` answers like a cluster's security
plugin (401, 403) or with a partial page, and :func:`tls_proxy` puts a certificate from a
throwaway CA (trustme) in front of osmem.
"""

from __future__ import annotations

import http.server
import json
import os
import socket
import ssl
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from tests.grimoire.community import MAPPING, Community


@contextmanager
def osmem() -> Iterator[tuple[str, int]]:
    """A running osmem-server: its URL and process id; stopped on exit (or when we die)."""
    import osmem_server

    binary = os.environ.get("OSMEM_SERVER_BIN") or osmem_server.resolve_binary()
    process = subprocess.Popen(
        [binary, "--addr", "127.0.0.1:0", "--no-ja", "--parent-pid", str(os.getpid())],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready = json.loads(process.stdout.readline())  # its first line: {"url": ..., "pid": ...}
        url = ready["url"]
        _wait(url)
        yield url, process.pid
    finally:
        if process.stdin is not None:
            process.stdin.close()  # it exits when its standard input closes
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _wait(url: str) -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            with urllib.request.urlopen(url + "/_cluster/health", timeout=1) as answer:
                if json.load(answer)["status"] in ("green", "yellow"):
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _call(url: str, method: str, path: str, body: Any = None, ndjson: bool = False) -> Any:
    data = None
    headers = {}
    if body is not None:
        data = body.encode() if ndjson else json.dumps(body).encode()
        headers["Content-Type"] = "application/x-ndjson" if ndjson else "application/json"
    request = urllib.request.Request(url + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)


def clone(url: str) -> tuple[str, str]:
    """A copy-on-write clone of the server: (its URL, its id)."""
    made = _call(url, "POST", "/_osmem/clones")
    return made["url"], made["id"]


def drop_clone(url: str, ident: str) -> None:
    _call(url, "DELETE", f"/_osmem/clones/{ident}")


def load(url: str, made: Community, indexes: list[str] | None = None) -> None:
    """Each index of ``made`` as ``<alias>_enriched`` behind its alias, refreshed."""
    for alias, docs in made.documents.items():
        if indexes is not None and alias not in indexes:
            continue
        index = f"{alias}_enriched"
        _call(url, "PUT", f"/{index}", {"mappings": MAPPING, "aliases": {alias: {}}})
        for start in range(0, len(docs), 5000):
            lines = []
            for doc in docs[start : start + 5000]:
                key = doc.get("id") if alias == "discourse" else doc["uuid"]
                lines += [json.dumps({"index": {"_index": index, "_id": key}}), json.dumps(doc)]
            _call(url, "POST", "/_bulk?refresh=true", "\n".join(lines) + "\n", ndjson=True)


@contextmanager
def stub(status: int, body: dict[str, Any]) -> Iterator[str]:
    """A server that answers every request with ``status`` and ``body``; yields its URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            text = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        do_GET = do_POST = do_HEAD = _answer

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def tls_proxy(target: str, folder: Path) -> Iterator[tuple[str, Path]]:
    """``https://127.0.0.1:PORT`` in front of ``target``, and the CA bundle that verifies it."""
    import trustme

    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1", "localhost")
    bundle = folder / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    host, port = target.rsplit("/", 1)[-1].split(":")
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                raw, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                secured = context.wrap_socket(raw, server_side=True)
            except (ssl.SSLError, OSError):
                raw.close()
                continue
            upstream = socket.create_connection((host, int(port)))
            threading.Thread(target=pipe, args=(secured, upstream), daemon=True).start()
            threading.Thread(target=pipe, args=(upstream, secured), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{listener.getsockname()[1]}", bundle
    finally:
        stop.set()
        listener.close()
        thread.join(timeout=2)
