# N sequential GET requests on one keep-alive connection (for callgrind.sh).
import socket, sys, time
port=int(sys.argv[1]); n=int(sys.argv[2]); path=sys.argv[3] if len(sys.argv)>3 else "/plaintext"
for _ in range(200):
    try:
        s=socket.create_connection(("127.0.0.1",port)); break
    except OSError: time.sleep(0.1)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
req=f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode()
buf=b""
for i in range(n):
    s.sendall(req)
    while True:
        h=buf.find(b"\r\n\r\n")
        if h>=0:
            head=buf[:h].lower()
            cl=int(head.split(b"content-length: ")[1].split(b"\r\n")[0])
            if len(buf)>=h+4+cl:
                buf=buf[h+4+cl:]; break
        d=s.recv(65536)
        if not d: sys.exit("closed")
        buf+=d
s.close()
