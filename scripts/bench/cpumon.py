# usage: cpumon.py DELAY WINDOW SWITCH_PID[,SWITCH_PID...]|- SCRIPT_PID NETNS_INODE...
# -> one line: "switch% busy_cores foreign_pct foreign description"
#    switch%: CPU of the switch process(es), summed (100 = one core), busy_cores: the whole machine,
#    foreign_pct: CPU of processes that are neither ours (in our namespaces / children of the
#    script / kernel threads) nor the switch, i.e. other people's builds and tests
import os, sys, time
delay, win, me = float(sys.argv[1]), float(sys.argv[2]), sys.argv[4]
swpids = [] if sys.argv[3] == '-' else sys.argv[3].split(',')   # tunnel configs: one switch per host
ours_ns = set('net:[%s]' % x for x in sys.argv[5:])
def ptime(pid):
    try:
        with open('/proc/%s/stat' % pid) as f:
            s = f.read()
    except OSError:
        return None
    rp = s.rfind(')')
    fl = s[rp + 2:].split()
    return s[s.find('(') + 1:rp], int(fl[11]) + int(fl[12]), int(fl[19]), fl[1], fl[2] in ('0', '2')
def ours(pid, ppid):
    try:
        if os.readlink('/proc/%s/ns/net' % pid) in ours_ns:
            return True
    except OSError:
        pass
    seen = 0
    while ppid not in ('0', '1') and seen < 64:   # descendant of this script?
        if ppid == me:
            return True
        p = ptime(ppid)
        if p is None:
            return False
        ppid, seen = p[3], seen + 1
    return False
def snap():
    procs = {}
    for pid in os.listdir('/proc'):
        if pid.isdigit():
            p = ptime(pid)
            if p:
                procs[pid] = p
    with open('/proc/stat') as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    return time.time(), procs, cpu
time.sleep(delay)
t0, p0, c0 = snap()
time.sleep(win)
t1, p1, c1 = snap()
hz = os.sysconf('SC_CLK_TCK'); el = t1 - t0; ncpu = os.cpu_count()
pct = lambda v: v / hz / el * 100
sw = '-'
if swpids and all(p in p0 and p in p1 for p in swpids):
    sw = '%.0f' % pct(sum(p1[p][1] - p0[p][1] for p in swpids))
foreign = {}
mine = 0
mypid = str(os.getpid())
for pid, (comm, t, st, ppid, kt) in p1.items():
    old = p0.get(pid)
    d = t - old[1] if old and old[2] == st else t
    if d <= 0:
        continue
    if kt or pid == mypid or pid == me or pid in swpids or ours(pid, ppid):
        mine += d
    else:
        foreign[comm] = foreign.get(comm, 0) + d
dc = [b - a for a, b in zip(c0, c1)]
tot = sum(dc[:8]) or 1
busy = (tot - dc[3] - dc[4]) / tot * ncpu
fs = pct(sum(foreign.values()))
# processes that ended inside the window (compilers, test forks) are missing from the per-process
# view: whatever the machine was busy with beyond ours and the kernel threads is foreign too
rest = busy * 100 - pct(mine)
if rest > fs + 10:
    foreign['short-lived/other'] = (rest - fs) * hz * el / 100
    fs = rest
desc = ', '.join('%s %.0f%%' % (c, pct(v)) for c, v in sorted(foreign.items(), key=lambda kv: -kv[1])[:3] if pct(v) >= 1)
print('%s %.2f %.0f %s' % (sw, busy, fs, desc or '-'))
