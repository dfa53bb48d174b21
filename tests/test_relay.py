"""The crossings of a sandboxed run's network: loopback port -> socket file -> loopback port."""

from __future__ import annotations

import socket
import threading

from fnproof.conformance.containment import relay


def _echo_server() -> tuple[socket.socket, int]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                while data := conn.recv(4096):
                    conn.sendall(data.upper())

    threading.Thread(target=serve, daemon=True).start()
    return server, server.getsockname()[1]


def test_bytes_cross_both_halves_and_back(tmp_path):
    server, port = _echo_server()
    inner = relay.unix_to_tcp(tmp_path / "s.sock", port)  # the side that owns the service
    outer = relay.tcp_to_unix(0, tmp_path / "s.sock")  # the side whose clients need it
    try:
        payload = b"x" * 200_000 + b"end"
        with socket.create_connection(("127.0.0.1", outer.port), timeout=5) as client:
            client.sendall(payload)
            client.shutdown(socket.SHUT_WR)
            got = b""
            while chunk := client.recv(65536):
                got += chunk
        assert got == payload.upper()
    finally:
        outer.close()
        inner.close()
        server.close()


def test_a_crossing_with_nothing_behind_it_closes_the_connection(tmp_path):
    outer = relay.tcp_to_unix(0, tmp_path / "nobody.sock")
    try:
        with socket.create_connection(("127.0.0.1", outer.port), timeout=5) as client:
            client.settimeout(5)
            assert client.recv(10) == b""
    finally:
        outer.close()


def test_a_closed_crossing_accepts_nothing_more(tmp_path):
    outer = relay.tcp_to_unix(0, tmp_path / "s.sock")
    port = outer.port
    outer.close()
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        reached = True
    except OSError:
        reached = False
    assert not reached
