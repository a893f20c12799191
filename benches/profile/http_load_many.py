# N GET requests spread over K keep-alive connections, each sending its next request as
# soon as its response is back (for callgrind.sh with K > 1): the server sees many ready
# sockets per wake-up, as under the bench's 64 connections.
import selectors, socket, sys, time

port, n, k, path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
req = f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode()
for _ in range(200):
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
    bufs[s] = b""
    sel.register(s, selectors.EVENT_READ)
sent = 0
for s in bufs:
    s.sendall(req)
    sent += 1
done = 0
while done < n:
    for key, _ in sel.select():
        s = key.fileobj
        d = s.recv(65536)
        if not d:
            sys.exit("closed")
        buf = bufs[s] + d
        while True:
            h = buf.find(b"\r\n\r\n")
            if h < 0:
                break
            head = buf[:h].lower()
            cl = int(head.split(b"content-length: ")[1].split(b"\r\n")[0])
            if len(buf) < h + 4 + cl:
                break
            buf = buf[h + 4 + cl :]
            done += 1
            if sent < n:
                s.sendall(req)
                sent += 1
        bufs[s] = buf
for s in bufs:
    s.close()
