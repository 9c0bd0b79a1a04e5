#!/usr/bin/env python3
"""A bounded loopback TCP connection storm for scripts/bench-events.

    scripts/storm.py RATE SECONDS OUT.tsv [--workers W]

RATE connections per second (0: as fast as possible) for SECONDS, spread over W client
processes (default 2), against one accepting server process on 127.0.0.1 (SO_REUSEPORT
listener). Every client socket closes with SO_LINGER {on, 0} (an RST: no TIME_WAIT piles up)
and client ports come from 127.0.0.2..127.0.0.9 destinations to stay clear of port
exhaustion. Writes one line per connection to OUT.tsv: `local_port<TAB>wall_ns` (the wall
clock just before connect()), and prints `MADE <n> <seconds>` at the end. Every process it
starts ends with it; nothing runs past SECONDS + 5 s. Standard library only.
"""

import os
import socket
import struct
import sys
import time


def server(port_holder, deadline):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(4096)
    port_holder.write(f"{ls.getsockname()[1]}\n".encode())
    port_holder.flush()
    ls.settimeout(0.5)
    while time.time() < deadline:
        try:
            c, _ = ls.accept()
            c.close()
        except socket.timeout:
            pass
        except OSError:
            pass


def client(port, rate, seconds, out, index, workers):
    linger = struct.pack("ii", 1, 0)
    rows = []
    start = time.time()
    end = start + seconds
    per = rate / workers if rate else 0
    n = 0
    while True:
        now = time.time()
        if now >= end:
            break
        if per:
            due = start + n / per
            if due > now:
                time.sleep(min(due - now, 0.01))
                continue
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        t = time.time_ns()
        try:
            s.connect(("127.0.0.1", port))
            rows.append(f"{s.getsockname()[1]}\t{t}\n")
        except OSError:
            pass
        s.close()
        n += 1
    with open(f"{out}.{index}", "w") as f:
        f.writelines(rows)


def main():
    rate, seconds, out = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
    workers = int(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[4] == "--workers" else 2
    deadline = time.time() + seconds + 5
    r, w = os.pipe()
    spid = os.fork()
    if spid == 0:
        os.close(r)
        server(os.fdopen(w, "wb"), deadline)
        os._exit(0)
    os.close(w)
    port = int(os.fdopen(r).readline())
    began = time.time()
    kids = []
    for i in range(workers):
        pid = os.fork()
        if pid == 0:
            client(port, rate, seconds, out, i, workers)
            os._exit(0)
        kids.append(pid)
    for pid in kids:
        os.waitpid(pid, 0)
    took = time.time() - began
    os.kill(spid, 15)
    os.waitpid(spid, 0)
    made = 0
    with open(out, "w") as f:
        for i in range(workers):
            with open(f"{out}.{i}") as part:
                for line in part:
                    f.write(line)
                    made += 1
            os.unlink(f"{out}.{i}")
    print(f"MADE {made} {took:.2f} {port}", flush=True)


if __name__ == "__main__":
    main()
