# What the profiling loads share: waiting for the server under valgrind to listen.
import socket, time


def wait_for(port):
    """Returns once 127.0.0.1:port accepts a connection (valgrind takes seconds to start)."""
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port}")
