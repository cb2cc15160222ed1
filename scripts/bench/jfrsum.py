#!/usr/bin/env python3
"""Where a jvs daemon's CPU went, from a JFR recording made by `./jvs bench --profile`.

usage: jfrsum.py <jfr tool> <recording.jfr>

Reads the recording's jdk.CPUTimeSample events (JFR's CPU-time sampler: each sample stands for `samplingPeriod` of
the thread's CPU time, kernel time included, so a system call's cost lands on the Java frame that made it) and
prints, per thread and per jvs method, the share of the daemon's sampled CPU time:
- by thread;
- by "jvs frame": the innermost io.jvs method of each sample (what our code was doing, a system call or JDK
  helper counted on the jvs method that called it: LibC.sendmmsg is the write of a burst, including whatever the
  kernel did inside it, e.g. the receiving namespace's TCP stack);
- inclusive: samples whose stack holds the method anywhere;
- allocation samples (jdk.ObjectAllocationSample) on the reactor threads, which should be none.
"""
import collections
import re
import subprocess
import sys

FRAME = re.compile(r"^\s+([\w$.<>]+)\(")  # "    io.jvs.Foo.bar(int, long) line: 12"
PERIOD = re.compile(r"samplingPeriod = ([\d.]+) (ms|us|s|ns)")
THREAD = re.compile(r'eventThread = "([^"]*)"')
WEIGHT = re.compile(r"weight = ([\d.]+) (bytes|kB|MB|GB)")
UNIT_S = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
UNIT_B = {"bytes": 1, "kB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}
TOP = 25


EVENT = re.compile(r"^(jdk\.\w+) \{$", re.M)  # "jdk.CPUTimeSample {" opens an event in `jfr print`
EVENTS = ("jdk.CPUTimeSample", "jdk.CPUTimeSamplesLost", "jdk.ObjectAllocationSample")


def events(jfr, path):
    """Yields (event type, fields text, frames) per event of the EVENTS types, from one `jfr print`."""
    out = subprocess.run([jfr, "print", "--stack-depth", "64", "--events", ",".join(EVENTS), path],
                         capture_output=True, text=True, check=True).stdout
    parts = EVENT.split(out)  # [before, type, block, type, block, ...]
    for name, block in zip(parts[1::2], parts[2::2]):
        frames = [m.group(1) for m in map(FRAME.match, block.split("stackTrace = [", 1)[-1].splitlines()) if m]
        yield name, block, frames


def label(frames, jvs):
    """The innermost jvs method, or what the thread was doing outside jvs code (Netty's epoll_wait: waiting, and
    the wake-up's cost, which the CPU-time sampler charges to the thread that slept)."""
    if jvs:
        return short(jvs[0])
    if frames and frames[0].startswith("io.netty.channel.epoll.Native.epollWait"):
        return "epoll_wait"
    return "(no jvs frame: " + (short(frames[0]) if frames else "no stack") + ")"


def short(method):
    # io.jvs.datapath.port.SystemPort.receiveBurst -> SystemPort.receiveBurst
    parts = method.split(".")
    return ".".join(parts[-2:]) if len(parts) >= 2 else method


def table(title, counter, total):
    print(f"\n{title}")
    print(f"  {'share':>6}  {'CPU s':>7}  what")
    for what, w in counter.most_common(TOP):
        print(f"  {100.0 * w / total:5.1f}%  {w:7.3f}  {what}")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[1])
    jfr, path = sys.argv[1], sys.argv[2]
    by_thread, by_jvs, inclusive = collections.Counter(), collections.Counter(), collections.Counter()
    alloc = collections.Counter()
    total, samples, lost = 0.0, 0, 0
    for name, block, frames in events(jfr, path):
        jvs = [f for f in frames if f.startswith("io.jvs.")]
        t = THREAD.search(block)
        if name == "jdk.CPUTimeSamplesLost":
            lost += 1
            continue
        if name == "jdk.ObjectAllocationSample":
            m = WEIGHT.search(block)
            if t and m and t.group(1).startswith("jvs-reactor"):
                alloc[label(frames, jvs)] += float(m.group(1)) * UNIT_B[m.group(2)]
            continue
        m = PERIOD.search(block)
        if not m or not t:
            continue
        w = float(m.group(1)) * UNIT_S[m.group(2)]
        samples += 1
        total += w
        by_thread[t.group(1)] += w
        by_jvs[label(frames, jvs)] += w
        for f in set(short(f) for f in jvs):
            inclusive[f] += w
    print(f"JFR CPU-time samples of {path}: {samples} samples, {total:.3f} s of CPU sampled"
          f"{f', {lost} lost-sample events' if lost else ''}")
    if not samples:
        print("no CPU-time samples (JDK without jdk.CPUTimeSample, or the recording did not start)")
        return
    top = by_jvs.most_common(3)
    rest = total - sum(w for _, w in top)
    print("digest: " + ", ".join(f"{what} {100.0 * w / total:.0f} %" for what, w in top)
          + f", rest {100.0 * rest / total:.0f} % ({total:.2f} CPU s)")
    table("by thread", by_thread, total)
    table("by innermost jvs method (a system call counts on the jvs method that made it)", by_jvs, total)
    table("inclusive (the method is anywhere on the stack)", inclusive, total)
    if alloc:
        print("\nallocation samples on reactor threads (estimated bytes, by innermost jvs method):")
        for what, b in alloc.most_common(10):
            print(f"  {b / 1024:10.1f} KiB  {what}")
    else:
        print("\nallocation samples on reactor threads: none")


if __name__ == "__main__":
    main()
