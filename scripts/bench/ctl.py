# usage: ctl.py SOCKET < COMMANDS  -- sends each line (a jvs CLI command without "jvs", words split on blanks)
# to a running jvs daemon over its control socket, the way the CLI does (argv joined by NUL, then EOF; the answer
# is "OK\n" + output or "ERROR\n" + one line), without starting a JVM per command: the security-group configs
# load 100 rules per port. Stops at the first ERROR (exit 1, the command and the daemon's message on stderr).
import socket, sys

path = sys.argv[1]
n = 0
for line in sys.stdin:
    argv = line.split()
    if not argv or argv[0].startswith('#'):
        continue
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall('\0'.join(argv).encode())
    s.shutdown(socket.SHUT_WR)
    reply = b''
    while True:
        b = s.recv(65536)
        if not b:
            break
        reply += b
    s.close()
    text = reply.decode(errors='replace')
    if not text.startswith('OK\n'):
        sys.stderr.write('ctl.py: %s: %s\n' % (' '.join(argv), text.partition('\n')[2].strip() or text.strip()))
        sys.exit(1)
    n += 1
print('%d commands' % n)
