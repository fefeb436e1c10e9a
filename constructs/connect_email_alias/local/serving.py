"""One HTTP server on a background thread: how every stand-in here starts and stops."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from http.server import ThreadingHTTPServer
from typing import TypeVar


class LoopbackServer(ThreadingHTTPServer):
    """A threading HTTP server whose listen backlog takes a whole stack's concurrent callers.

    The standard library's backlog of 5 makes hundreds of simultaneous connects time out, which is the
    server's limit, not Connect's: a benchmark of 497 concurrent Creates measured the backlog instead of
    the quota.
    """

    request_queue_size = 1024
    daemon_threads = True


class BackgroundServer:
    """Serves `server` on a daemon thread until `stop()`, which also frees the port."""

    def __init__(self, server: ThreadingHTTPServer) -> None:
        server.daemon_threads = True
        self.server = server
        self._thread = threading.Thread(
            # A short poll: stop() waits for it, and tests start and stop servers by the hundred.
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.server.server_address[:2]
        return str(host), int(port)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)


S = TypeVar("S", bound="Served")


class Served(ABC):
    """A stand-in that listens from :meth:`start` (idempotent) to :meth:`stop`; a context manager."""

    #: How "not running" errors name it.
    _name = "the server"
    _serving: BackgroundServer | None = None

    @abstractmethod
    def start(self: S) -> S:
        """Listen (if not yet); returns ``self``."""

    def stop(self) -> None:
        """Stop listening and free the port."""
        serving, self._serving = self._serving, None
        if serving is not None:
            serving.stop()

    def __enter__(self: S) -> S:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _url(self, scheme: str) -> str:
        """``<scheme>://<host>:<port>`` of the running server."""
        if self._serving is None:
            raise RuntimeError(f"{self._name} is not running; call start()")
        host, port = self._serving.address
        return f"{scheme}://{host}:{port}"
