"""The event stream: events.watch, and its resumption after a dropped connection."""
from __future__ import annotations

import socket
import threading
import time
import urllib.parse
from typing import List

from slipway import Client

IMAGE = "ghcr.io/acme/scorer:1.0"


class DroppingProxy:
    """A TCP proxy to the API that records each request's head and can drop
    every connection it carries, as a network failure would."""

    def __init__(self, upstream: str) -> None:
        u = urllib.parse.urlsplit(upstream)
        self.upstream = (u.hostname, u.port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = "http://127.0.0.1:%d" % self.listener.getsockname()[1]
        self.heads: List[str] = []
        self.conns: List[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                down, _ = self.listener.accept()
            except OSError:
                return
            up = socket.create_connection(self.upstream)
            with self.lock:
                self.conns += [down, up]
            threading.Thread(target=self._pipe, args=(down, up, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(up, down, False), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, record: bool) -> None:
        try:
            while True:
                b = src.recv(65536)
                if not b:
                    break
                if record and b[:4] in (b"GET ", b"POST"):
                    with self.lock:
                        self.heads.append(b.split(b"\r\n\r\n")[0].decode())
                dst.sendall(b)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def drop(self) -> None:
        with self.lock:
            conns, self.conns = self.conns, []
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self) -> None:
        self.listener.close()
        self.drop()


def test_watch_resumes_after_a_dropped_connection(dev, client: Client, project: str) -> None:  # type: ignore[no-untyped-def]
    ref = project + "/watched"
    client.deployments.create(project, "watched", {"image": IMAGE}, wait=60)
    proxy = DroppingProxy(dev.url)
    try:
        watcher = Client(proxy.url, token=dev.token)
        seen: List[str] = []
        deadline = time.monotonic() + 120
        for ev in watcher.events.watch(deployment=ref, after="0", read_timeout=30):
            assert ev.data["type"] == ev.type and ev.data["subject"]
            seen.append(ev.id)
            if len(seen) == 2:
                proxy.drop()  # the stream breaks; a change made meanwhile must still arrive
                assert client.deployments.update(ref, {"image": "ghcr.io/acme/scorer:2.0"}, wait=60).revision == 2
            if "revision_created" in ev.type:
                break  # the update's revision, read over the resumed stream
            assert time.monotonic() < deadline, f"no revision_created within 120 s; seen {seen}"
        ids = [int(i) for i in seen]
        assert ids == sorted(set(ids)), f"events repeated or out of order after the resumption: {seen}"
        streams = [h for h in proxy.heads if h.startswith("GET /v1/events")]
        assert len(streams) >= 2, proxy.heads
        resumed = [ln.split(":", 1)[1].strip() for ln in streams[1].split("\r\n") if ln.lower().startswith("last-event-id:")]
        assert resumed and resumed[0] in seen, streams[1]
    finally:
        proxy.close()


def test_watch_filters_by_type(client: Client, project: str) -> None:
    client.deployments.create(project, "typed", {"image": IMAGE}, wait=60)
    for ev in client.events.watch(deployment=project + "/typed", types=["slipway.deployment.rollout_*"], after="0"):
        assert ev.type.startswith("slipway.deployment.rollout_")
        break
