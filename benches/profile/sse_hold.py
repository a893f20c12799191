# Opens N idle SSE streams and holds them for S seconds: sse_hold.py PORT N S [PATH] (for massif).
import socket, sys, time
import server
port=int(sys.argv[1]); n=int(sys.argv[2]); hold=float(sys.argv[3])
server.wait_for(port)
socks=[]
for i in range(n):
    s=socket.create_connection(("127.0.0.1",port))
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % (sys.argv[4] if len(sys.argv)>4 else "/sse?ms=3600000")).encode())
    socks.append(s)
for s in socks:
    d=b""
    while b"\r\n\r\n" not in d: d+=s.recv(4096)
    # first tick arrives immediately (interval's first tick)
time.sleep(hold)
