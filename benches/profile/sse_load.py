# Reads N SSE events spread over K streams of /sse?ms=MS (for callgrind.sh): under valgrind the
# server cannot keep up with K streams at 1 ms, so it is saturated, as in the bench's sse-1ms.
#
#   python3 sse_load.py PORT N K MS
import selectors, socket, sys

import server

port, n, k, ms = (int(a) for a in sys.argv[1:5])
server.wait_for(port)
sel = selectors.DefaultSelector()
socks = []
for _ in range(k):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(f"GET /sse?ms={ms} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
    sel.register(s, selectors.EVENT_READ)
    socks.append(s)
events = 0
while events < n:
    for key, _ in sel.select():
        d = key.fileobj.recv(65536)
        if not d:
            sys.exit("closed")
        # An event is `data: tick K\n\n`; a chunk boundary never splits the 6 bytes counted.
        events += d.count(b"data: ")
for s in socks:
    s.close()
