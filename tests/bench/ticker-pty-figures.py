#!/usr/bin/env python3
"""`coinlytics watch` on a terminal, for BENCHMARKS.md: what an idle ticker
costs where people run it, on a pty (ticker-figures.py measures it piped).

Each run starts the fake CoinGecko server (--drift), then `coinlytics watch
--coins <5 coins>` refreshing every --refresh s with CoinGecko as its only
source, on a pty of 80x24 whose output a thread reads (as a terminal would)
and counts. After --secs it sends SIGINT to coinlytics and reads, from
/usr/bin/time and wait4's rusage, its peak RSS and CPU (user + sys), and
from /proc just before, the context switches of its threads (each a wake)
and the bytes it wrote to the terminal. Reported per run and as the median
of --runs. Everything runs in a temporary directory (HOME, XDG dirs, data
dir, config; the keyring never read), as ticker-figures.py does.

Build first (release, as users run it):
    cargo build --release --locked -p coinlytics --bin coinlytics
    cargo build --release --locked -p coinlytics-tests --bin fake-coingecko
Run:
    python3 tests/bench/ticker-pty-figures.py [--secs 60] [--refresh 5] [--runs 3]
"""

import argparse
import fcntl
import importlib.util
import os
import resource
import shutil
import signal
import statistics
import struct
import subprocess
import tempfile
import termios
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("ticker_figures", HERE / "ticker-figures.py")
tf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tf)

COINS = "bitcoin,ethereum,solana,cardano,dogecoin"


def switches(pid):
    """Voluntary + involuntary context switches of `pid`'s live threads."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            for line in (task / "status").read_text().splitlines():
                if line.endswith("ctxt_switches") or "ctxt_switches:" in line:
                    total += int(line.split()[-1])
        except OSError:
            pass
    return total


def rss_by_mapping(pid):
    """{mapping: RSS in KiB} of a running process: a file's name, [heap],
    [stack] or "anonymous" (thread stacks, the runtime's arenas)."""
    out, mapping = {}, None
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        first = line.split(maxsplit=6)
        if "-" in first[0] and ":" not in first[0]:
            mapping = Path(first[5]).name if len(first) > 5 else "anonymous"
        elif first[0] == "Rss:":
            out[mapping] = out.get(mapping, 0) + int(first[1])
    return out


def pty_run(bin_, fake_bin, secs, refresh):
    work = Path(tempfile.mkdtemp(prefix="coinlytics-pty-"))
    fake = tf.Fake(fake_bin)
    proc = None
    try:
        env = tf.base_env(work, refresh)
        env["COINLYTICS_COINGECKO_URL"] = fake.url
        env["TERM"] = "xterm-256color"
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        time_file = work / "time.txt"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.Popen([tf.TIME, "-o", str(time_file), "-f", tf.TIME_FORMAT, str(bin_),
                                 "watch", "--coins", COINS],
                                env=env, stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
        os.close(slave)
        written = {"bytes": 0, "at_start": None}

        def read():
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                written["bytes"] += len(chunk)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        pid = tf.child_of(proc.pid, bin_)
        if pid is None:
            raise RuntimeError(f"{bin_} did not start under {tf.TIME}")
        time.sleep(2)  # start-up and the first refresh are not what is measured
        start_switches, start_bytes = switches(pid), written["bytes"]
        start_cpu = sum(tf.thread_cpu_ns(pid).values())
        time.sleep(secs)
        if proc.poll() is not None:
            raise RuntimeError("watch exited early")
        steady_cpu_s = (sum(tf.thread_cpu_ns(pid).values()) - start_cpu) / 1e9
        wakes = switches(pid) - start_switches
        out_bytes = written["bytes"] - start_bytes
        where = rss_by_mapping(pid)
        os.kill(pid, signal.SIGINT)
        proc.wait(timeout=15)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        os.close(master)
        t = tf.parse_time(time_file)
        return {
            "rss_mib": tf.mib(t["rss_kib"]),
            "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "steady_cpu_s": steady_cpu_s,
            "wakes": wakes,
            "bytes": out_bytes,
            "where": where,
        }
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        fake.stop()
        shutil.rmtree(work, ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bin", default=str(tf.ROOT / "target/release/coinlytics"))
    p.add_argument("--fake", default=str(tf.ROOT / "target/release/fake-coingecko"))
    p.add_argument("--secs", type=float, default=60)
    p.add_argument("--refresh", type=int, default=5)
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    runs = []
    for i in range(args.runs):
        r = pty_run(Path(args.bin), Path(args.fake), args.secs, args.refresh)
        print(f"run {i + 1}: CPU {r['cpu_s']:.3f} s in all, {r['steady_cpu_s']:.3f} s in the "
              f"{args.secs:g} s measured; peak RSS {r['rss_mib']:.1f} MiB; {r['wakes']} context "
              f"switches; {r['bytes']} bytes to the terminal", flush=True)
        largest = sorted(r["where"].items(), key=lambda kv: -kv[1])[:6]
        print(f"  RSS at the end: {tf.mib(sum(r['where'].values())):.1f} MiB, of which "
              + ", ".join(f"{name} {tf.mib(kib):.1f}" for name, kib in largest), flush=True)
        runs.append(r)
    med = lambda k: statistics.median(r[k] for r in runs)
    print()
    print(f"`coinlytics watch --coins {COINS}` on an 80x24 pty, {args.secs:g} s measured after 2 s of "
          f"start-up, refreshing every {args.refresh} s (median of {args.runs}):")
    print()
    print("| CPU in the measured minute | CPU, whole run | peak RSS | context switches | bytes to the terminal |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| {med('steady_cpu_s'):.3f} s | {med('cpu_s'):.3f} s | {med('rss_mib'):.1f} MiB | "
          f"{med('wakes'):.0f} | {med('bytes'):.0f} |")


if __name__ == "__main__":
    main()
