#!/usr/bin/env python3
"""Hold N established loopback TCP connections (2N sockets) for benchmarks.

    scripts/loadgen.py N [--single] [--idle K] [--timeout S] [--per-proc C]

Both ends of every connection live on 127.0.0.0/8 and are held by this program's own worker
processes (each holds the client and the server end of its connections). No worker holds more
than --per-proc connections (default 4400, about 8,800 fds), and every destination
(address, port) gets at most 4000 connections, each on its own 127.0.x.y address, so the
ephemeral port range (28k ports per destination) never runs out, for N up to 50,000 and beyond.

--single   hold every connection in ONE worker process; if 2N sockets do not fit under the
           hard RLIMIT_NOFILE, say so (with the limit) and exit 3 before opening anything.
--idle K   also fork K idle, sleeping processes (default 200), so that tools walking /proc
           see a realistic process count.

Prints `READY <n_connections>` on stdout once all connections are established, then holds them
until stdin is closed (EOF) or --timeout seconds (default 600) have passed, and exits; every
child exits with it. Children also die when this process dies in any way: they have
PR_SET_PDEATHSIG(SIGKILL) and they block on a pipe whose only writer is this process.

Sockets carry SO_LINGER {on, 0}: closing them sends RST, so no TIME_WAIT sockets are left
behind to distort the next measurement. It starts its own session (setsid) so that a caller can
kill the whole tree with `kill -- -PID`. Standard library only; Linux only.
"""

import argparse
import ctypes
import gc
import os
import resource
import select
import signal
import socket
import struct
import sys
import time

PR_SET_PDEATHSIG = 1
PER_DEST_MAX = 4000  # connections per destination (address, port): far below 28k ports
FD_SLACK = 64  # stdio, pipes, listeners and Python's own fds, per worker
LINGER_RST = struct.pack("ii", 1, 0)

EXIT_USAGE = 2
EXIT_FD_LIMIT = 3
EXIT_FAILED = 1


def log(msg):
    print(f"loadgen: {msg}", file=sys.stderr, flush=True)


def set_pdeathsig(parent_pid):
    """Ask the kernel to SIGKILL us when our parent dies; exit now if it already has."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # the pipe watch below still ends us
    if os.getppid() != parent_pid:
        os._exit(0)


def quiet_stdio():
    """Children must not hold the caller's stdin/stdout pipes open."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(null, fd)
    os.close(null)


def hold_until_parent_goes(alive_r, deadline):
    """Block until the parent closes its end of the alive pipe (or dies), or deadline."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        try:
            ready, _, _ = select.select([alive_r], [], [], min(left, 5.0))
        except InterruptedError:
            continue
        if ready:
            try:
                if os.read(alive_r, 1) == b"":
                    return
            except OSError:
                return


def child_prologue(parent_pid, alive_w):
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    set_pdeathsig(parent_pid)
    os.close(alive_w)
    quiet_stdio()


def idle_child(parent_pid, alive_r, alive_w, deadline):
    code = 0
    try:
        child_prologue(parent_pid, alive_w)
        hold_until_parent_goes(alive_r, deadline)
    except BaseException:  # noqa: BLE001 - a child must never return into the parent's code
        code = 1
    finally:
        os._exit(code)


def worker_child(index, n_conns, listeners, parent_pid, alive_r, alive_w, status_w, deadline):
    """Open n_conns connections to own listeners, report, hold until the parent goes."""
    code = 0
    try:
        child_prologue(parent_pid, alive_w)
        held = []
        made = 0
        for lst in listeners:
            addr = lst.getsockname()
            share = min(PER_DEST_MAX, n_conns - made)
            for _ in range(share):
                client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
                client.connect(addr)
                server, _ = lst.accept()
                server.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
                held.append(client)
                held.append(server)
                made += 1
            lst.close()  # established connections live on without their listener
        os.write(status_w, f"OK {index} {made}\n".encode())
        os.close(status_w)
        hold_until_parent_goes(alive_r, deadline)
    except BaseException as exc:  # noqa: BLE001
        code = 1
        try:
            msg = f"ERR {index} {type(exc).__name__}: {exc}".replace("\n", " ")
            os.write(status_w, (msg[:400] + "\n").encode())
        except OSError:
            pass
    finally:
        os._exit(code)


class Terminate(Exception):
    pass


def on_signal(signum, _frame):
    raise Terminate(signal.Signals(signum).name)


def plan(args, hard):
    """Split N connections into per-worker counts; None if --single cannot fit."""
    n = args.connections
    if args.single:
        need = 2 * n + FD_SLACK + (n + PER_DEST_MAX - 1) // PER_DEST_MAX
        if hard != resource.RLIM_INFINITY and need > hard:
            most = max(0, (hard - FD_SLACK - 3) // 2)
            log(
                f"--single: cannot hold {n} connections in one process: that needs {2 * n} "
                f"sockets plus ~{FD_SLACK} other fds = {need} fds, but the hard RLIMIT_NOFILE "
                f"is {hard} (at most ~{most} connections in one process); run without --single"
            )
            return None
        return [n]
    per_proc = args.per_proc
    if hard != resource.RLIM_INFINITY:
        per_proc = min(per_proc, max(1, (hard - FD_SLACK - 3) // 2))
    counts = []
    left = n
    while left > 0:
        take = min(per_proc, left)
        counts.append(take)
        left -= take
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("connections", type=int, help="established connections to hold (2 sockets each)")
    ap.add_argument("--single", action="store_true", help="all connections in one process")
    ap.add_argument("--idle", type=int, default=200, metavar="K", help="idle processes (default 200)")
    ap.add_argument("--timeout", type=float, default=600.0, help="hard hold time in s (default 600)")
    ap.add_argument("--per-proc", type=int, default=4400, help="connections per worker (default 4400)")
    ap.add_argument("--tag", default="", help="free text, only to find this run in ps output")
    args = ap.parse_args()
    if args.connections < 0 or args.idle < 0 or args.timeout <= 0 or args.per_proc < 1:
        ap.error("N and --idle must be >= 0, --timeout > 0, --per-proc >= 1")
    if args.connections > 250 * 250 * PER_DEST_MAX:
        ap.error("too many connections")

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    counts = plan(args, hard)
    if counts is None:
        return EXIT_FD_LIMIT
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    try:
        os.setsid()  # own process group: the caller can kill the whole tree with kill -- -PID
    except OSError:
        pass  # already a group leader

    deadline = time.monotonic() + args.timeout
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)

    me = os.getpid()
    children = set()
    alive_r, alive_w = os.pipe()
    status_r, status_w = os.pipe()
    listeners = []
    code = EXIT_FAILED
    try:
        gc.freeze()  # fewer copy-on-write page faults in the forked children
        sys.stdout.flush()
        sys.stderr.flush()
        # Idle processes first, so they inherit no sockets.
        for _ in range(args.idle):
            pid = os.fork()
            if pid == 0:
                os.close(status_r)
                os.close(status_w)
                idle_child(me, alive_r, alive_w, deadline + 30)
            children.add(pid)

        # Every listener is bound before any connection exists: bind(port 0) needs a port that
        # no socket uses, and connect() may later share ports between destinations.
        groups = []
        for count in counts:
            mine = []
            for _ in range((count + PER_DEST_MAX - 1) // PER_DEST_MAX):
                k = len(listeners)
                lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                lst.bind((f"127.0.{k // 250}.{k % 250 + 2}", 0))
                lst.listen(1024)
                listeners.append(lst)
                mine.append(lst)
            groups.append(mine)

        workers = {}
        for index, (count, mine) in enumerate(zip(counts, groups)):
            pid = os.fork()
            if pid == 0:
                os.close(status_r)
                for lst in listeners:
                    if lst not in mine:
                        lst.close()
                worker_child(index, count, mine, me, alive_r, alive_w, status_w, deadline + 30)
            children.add(pid)
            workers[pid] = index
        os.close(status_w)
        status_w = -1
        for lst in listeners:
            lst.close()
        listeners = []

        # Collect one status line per worker.
        established = 0
        reported = 0
        buf = b""
        failed = []
        while reported < len(counts):
            left = deadline - time.monotonic()
            if left <= 0:
                failed.append("timed out while connecting")
                break
            ready, _, _ = select.select([status_r], [], [], min(left, 1.0))
            if ready:
                chunk = os.read(status_r, 65536)
                if chunk == b"":
                    failed.append("a worker exited without reporting")
                    break
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    reported += 1
                    word, _, rest = line.decode(errors="replace").partition(" ")
                    if word == "OK":
                        established += int(rest.split()[1])
                    else:
                        failed.append(f"worker {rest}")
        if failed:
            for f in failed:
                log(f)
            return EXIT_FAILED

        print(f"READY {established}", flush=True)
        log(
            f"holding {established} connections in {len(counts)} worker(s) "
            f"+ {args.idle} idle processes, pgid {os.getpgrp()}; close stdin to stop"
        )

        # Hold until stdin EOF, timeout, a signal, or a child dying under us.
        stdin_open = True
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                log(f"timeout ({args.timeout:g} s) reached, exiting")
                break
            watch = [sys.stdin.fileno()] if stdin_open else []
            try:
                ready, _, _ = select.select(watch, [], [], min(left, 1.0))
            except InterruptedError:
                continue
            if ready:
                try:
                    data = os.read(sys.stdin.fileno(), 65536)
                except OSError:
                    data = b""
                if data == b"":
                    break
            pid, _ = os.waitpid(-1, os.WNOHANG) if children else (0, 0)
            if pid:
                children.discard(pid)
                log(f"child {pid} exited unexpectedly; stopping")
                return EXIT_FAILED
        code = 0
    except Terminate as sig:
        log(f"{sig}: stopping")
        code = 128 + 15
    except OSError as exc:
        log(f"{exc}")
        code = EXIT_FAILED
    finally:
        for lst in listeners:
            lst.close()
        os.close(alive_w)  # every child blocked on alive_r sees EOF and exits
        reap(children)
    return code


def reap(children):
    """Wait for the children to leave; SIGTERM then SIGKILL whatever lingers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    for step, sig in ((3.0, None), (2.0, signal.SIGTERM), (2.0, signal.SIGKILL)):
        if sig is not None:
            for pid in list(children):
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    children.discard(pid)
        until = time.monotonic() + step
        while children and time.monotonic() < until:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                children.clear()
                break
            if pid:
                children.discard(pid)
            else:
                time.sleep(0.02)
        if not children:
            return
    log(f"{len(children)} child process(es) did not exit: {sorted(children)}")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:
        sys.exit(EXIT_FAILED)
