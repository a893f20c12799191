# N round trips spread over K connections, each sending again as soon as its answer is back
# (for callgrind.sh): the server sees many ready sockets per wake-up, as under the bench's 64
# connections. PATH /ws: WebSocket echoes of a 32-byte text frame; any other PATH: keep-alive
# GET requests.
#
#   python3 closed_loop.py PORT N K PATH
import base64, os, selectors, socket, sys

import server

port, n, k, path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ws = path == "/ws"
if ws:
    payload, mask = b"x" * 32, b"\x01\x02\x03\x04"
    message = bytes([0x81, 0x80 | 32]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
else:
    message = f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode()


def answered(buf):
    """The length of the first whole answer in buf, or None."""
    if ws:
        return 34 if len(buf) >= 34 else None
    h = buf.find(b"\r\n\r\n")
    if h < 0:
        return None
    cl = int(buf[:h].lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    return h + 4 + cl if len(buf) >= h + 4 + cl else None


server.wait_for(port)
sel = selectors.DefaultSelector()
bufs = {}
for _ in range(k):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf = b""
    if ws:
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall(
            f"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        while b"\r\n\r\n" not in buf:
            buf += s.recv(4096)
        buf = buf[buf.index(b"\r\n\r\n") + 4 :]
    bufs[s] = buf
    sel.register(s, selectors.EVENT_READ)
sent = 0
for s in bufs:
    s.sendall(message)
    sent += 1
done = 0
while done < n:
    for key, _ in sel.select():
        s = key.fileobj
        d = s.recv(65536)
        if not d:
            sys.exit("closed")
        buf = bufs[s] + d
        while (end := answered(buf)) is not None:
            buf = buf[end:]
            done += 1
            if sent < n:
                s.sendall(message)
                sent += 1
        bufs[s] = buf
for s in bufs:
    s.close()
