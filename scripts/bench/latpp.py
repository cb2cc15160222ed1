# Fallback request-response latency test when sockperf is not available.
#   latpp.py server IP PORT                    UDP echo
#   latpp.py client IP PORT SECONDS SIZE       back-to-back ping-pong, one request in flight
# client prints: "samples N p50 X p99 Y p999 Z" (round-trip times in microseconds, user space to user space)
import socket, sys, time
mode, ip, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if mode == 'server':
    s.bind((ip, port))
    while True:
        d, a = s.recvfrom(65536)
        s.sendto(d, a)
secs, size = float(sys.argv[4]), int(sys.argv[5])
s.connect((ip, port))
s.settimeout(0.2)
msg = b'x' * size
rtt = []
lost = 0
now = time.perf_counter_ns
end = now() + int(secs * 1e9)
while True:
    t0 = now()
    if t0 >= end:
        break
    s.send(msg)
    try:
        s.recv(65536)
    except socket.timeout:
        lost += 1
        continue
    rtt.append(now() - t0)
rtt.sort()
pc = lambda q: rtt[min(len(rtt) - 1, int(q * len(rtt)))] / 1000.0 if rtt else 0.0
print('samples %d p50 %.3f p99 %.3f p999 %.3f lost %d' % (len(rtt), pc(0.50), pc(0.99), pc(0.999), lost))
