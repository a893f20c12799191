# N WebSocket echoes of a 32-byte text frame on one socket (for callgrind.sh).
import socket, sys, time, os, base64
port=int(sys.argv[1]); n=int(sys.argv[2]); path=sys.argv[3] if len(sys.argv)>3 else "/ws"
for _ in range(300):
    try:
        s=socket.create_connection(("127.0.0.1",port)); break
    except OSError: time.sleep(0.1)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
key=base64.b64encode(os.urandom(16)).decode()
s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
buf=b""
while b"\r\n\r\n" not in buf: buf+=s.recv(4096)
buf=buf[buf.index(b"\r\n\r\n")+4:]
payload=b"x"*32; mask=b"\x01\x02\x03\x04"
masked=bytes(b^mask[i%4] for i,b in enumerate(payload))
frame=bytes([0x81, 0x80|32])+mask+masked
for i in range(n):
    s.sendall(frame)
    while len(buf)<34:
        d=s.recv(65536)
        if not d: sys.exit("closed")
        buf+=d
    buf=buf[34:]
s.close()
