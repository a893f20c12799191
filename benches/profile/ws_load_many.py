# N WebSocket echoes of a 32-byte text frame spread over K sockets, each sending its next
# frame as soon as its echo is back (for callgrind.sh with K > 1): the server sees many
# ready sockets per wake-up, as under the bench's 64 connections.
import base64, os, selectors, socket, sys, time

port, n, k = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
payload = b"x" * 32
mask = b"\x01\x02\x03\x04"
frame = bytes([0x81, 0x80 | 32]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
for _ in range(300):
    try:
        socket.create_connection(("127.0.0.1", port)).close()
        break
    except OSError:
        time.sleep(0.1)
sel = selectors.DefaultSelector()
bufs = {}
for _ in range(k):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(
        f"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += s.recv(4096)
    bufs[s] = buf[buf.index(b"\r\n\r\n") + 4 :]
    sel.register(s, selectors.EVENT_READ)
sent = 0
for s in bufs:
    s.sendall(frame)
    sent += 1
done = 0
while done < n:
    for key, _ in sel.select():
        s = key.fileobj
        d = s.recv(65536)
        if not d:
            sys.exit("closed")
        bufs[s] += d
        while len(bufs[s]) >= 34:
            bufs[s] = bufs[s][34:]
            done += 1
            if sent < n:
                s.sendall(frame)
                sent += 1
for s in bufs:
    s.close()
