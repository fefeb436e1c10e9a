"""One HTTP server on a background thread: how every stand-in here starts and stops."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer


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
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
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
