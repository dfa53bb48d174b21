"""Byte pumps across network namespaces, through unix sockets on the filesystem.

In a sandboxed run the store has a loopback of its own and each Lambda environment another
(sandbox.py), so nothing on one loopback reaches another. A unix socket belongs to the
filesystem, not to a network namespace, so a socket file in a folder the sides share joins
them, and only for the ports named here: the kit's own SDK clients reach the store, each
environment's driver carries the store's port and the S3 proxy's to their socket files
(the drivers hold their own copy of the pump: they run where the kit is not importable), and
the kit's S3 proxy answers on its file.

`tcp_to_unix` turns connections to a loopback port into connections to a socket file,
`unix_to_tcp` the other way round; each side runs the half that listens where it lives.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

_CHUNK = 1 << 16


class Relay:
    """One listening side of a crossing; every accepted connection is pumped both ways."""

    def __init__(self, listener: socket.socket, connect: tuple[int, str | tuple[str, int]]) -> None:
        self._listener = listener
        self._family, self._target = connect
        self._closed = False
        threading.Thread(target=self._accept, daemon=True, name="relay-accept").start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                inbound, _ = self._listener.accept()
            except OSError:
                if self._closed:
                    return
                time.sleep(0.05)  # out of descriptors, an aborted connection: the listener lives on
                continue
            threading.Thread(target=self._join, args=(inbound,), daemon=True, name="relay-conn").start()

    def _join(self, inbound: socket.socket) -> None:
        outbound = socket.socket(self._family, socket.SOCK_STREAM)
        try:
            outbound.connect(self._target)
        except OSError:
            inbound.close()
            outbound.close()
            return
        back = threading.Thread(target=_pump, args=(outbound, inbound), daemon=True, name="relay-back")
        back.start()
        _pump(inbound, outbound)
        back.join()
        inbound.close()
        outbound.close()

    @property
    def port(self) -> int:
        """The loopback port a `tcp_to_unix` relay listens on."""
        return int(self._listener.getsockname()[1])

    def close(self) -> None:
        self._closed = True
        try:  # closing alone does not wake a thread blocked in accept(); shutting down does
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    """Copy until the source ends, then end the sink's writing side: the other direction goes on."""
    try:
        while chunk := source.recv(_CHUNK):
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        try:
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def tcp_to_unix(port: int, path: Path | str) -> Relay:
    """Listen on 127.0.0.1:`port` (0: any free port) and connect each caller to the socket file `path`."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)
    return Relay(listener, (socket.AF_UNIX, str(path)))


def unix_to_tcp(path: Path | str, port: int) -> Relay:
    """Listen on the socket file `path` and connect each caller to 127.0.0.1:`port`."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(64)
    return Relay(listener, (socket.AF_INET, ("127.0.0.1", port)))

