#!/usr/bin/env python3
"""Whole-app figures for BENCHMARKS.md: Coinlytics against a bare Tauri window.

Measured in one run, both built with the same profile:
  - start-up: process start to the first painted dashboard (the UI's
    'dashboard ready' mark), with 100 coins stored in the watchlist;
  - idle memory: PSS (/proc/PID/smaps_rollup) summed over the app and all
    its descendants (WebKitWebProcess, WebKitNetworkProcess) after 60 s;
  - idle CPU: CPU time of the same processes over the following 60 s, the
    app refreshing every 10 s from the fake CoinGecko server.

Build first:
    cargo build --release --workspace --bins --examples
Run (it starts its own X display and session bus when DISPLAY is unset):
    python3 tests/bench/app-figures.py [--profile release] [--runs 5] [--idle 60]
"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READY = re.compile(r"dashboard ready.*unix_ms=(\d+)")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def descendants(pid):
    """pid and every process below it."""
    children = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def pss_kib(pids):
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def cpu_ticks(pids):
    total = 0
    for p in pids:
        try:
            stat = Path(f"/proc/{p}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


class Run:
    """One started program whose stderr goes to a file we can poll."""

    def __init__(self, argv, env, log):
        self.log = log
        self.t0_ms = time.time() * 1000
        with open(log, "wb") as err:
            self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=err)

    def ready_ms(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = READY.search(Path(self.log).read_text(errors="replace"))
            if m:
                return int(m.group(1)) - self.t0_ms
            if self.proc.poll() is not None:
                sys.exit(f"{self.log}: exited before it was ready:\n{Path(self.log).read_text()}")
            time.sleep(0.01)
        sys.exit(f"{self.log}: not ready within {timeout} s")

    def stop(self):
        pids = descendants(self.proc.pid)
        for p in pids:
            try:
                os.kill(p, signal.SIGTERM)
            except ProcessLookupError:
                pass
        self.proc.wait(timeout=20)
        deadline = time.time() + 20
        while any(Path(f"/proc/{p}").exists() for p in pids) and time.time() < deadline:
            time.sleep(0.05)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", default="release")
    ap.add_argument("--runs", type=int, default=5, help="start-ups of each program")
    ap.add_argument("--idle", type=int, default=60, help="seconds before and of the idle measurement")
    args = ap.parse_args()

    if not os.environ.get("DISPLAY"):
        os.execvp("dbus-run-session", ["dbus-run-session", "--", "xvfb-run", "-a", "-s", "-screen 0 1280x800x24",
                                        sys.executable, *sys.argv])

    target = ROOT / "target" / args.profile
    app, bare, fake_bin = target / "coinlytics", target / "examples" / "bare_window", target / "fake-coingecko"
    for p in (app, bare, fake_bin):
        if not p.exists():
            sys.exit(f"missing {p}: cargo build --{args.profile} --workspace --bins --examples")

    work = Path(tempfile.mkdtemp(prefix="coinlytics-figures-"))
    fake = subprocess.Popen([fake_bin, "--coins", "300"], stdout=subprocess.PIPE, text=True)
    url = fake.stdout.readline().strip()
    env = dict(os.environ)
    env.update({
        "HOME": str(work / "home"),
        "COINLYTICS_DATA_DIR": str(work / "data"),
        "COINLYTICS_CONFIG": str(work / "config.toml"),
        "COINLYTICS_COINGECKO_URL": url,
        "COINLYTICS_REFRESH_SECS": "10",
        "COINLYTICS_REQUESTS_PER_MINUTE": "600",
        "RUST_LOG": "warn,coinlytics=info",
    })
    (work / "home").mkdir()
    try:
        # 100 coins in the watchlist, with stored quotes.
        top = subprocess.run([app, "prices", "--json", "--top", "100"], env=env, capture_output=True, check=True)
        ids = [q["id"] for q in json.loads(top.stdout)]
        subprocess.run([app, "watchlist", "add", *ids], env=env, capture_output=True, check=True)
        subprocess.run([app, "prices"], env=env, capture_output=True, check=True)

        programs = {"bare window": [str(bare)], "coinlytics": [str(app)]}
        starts = {name: [] for name in programs}
        for i in range(args.runs):
            for name, argv in programs.items():  # interleaved, so both see the same machine
                run = Run(argv, env, work / f"start-{i}.log")
                starts[name].append(run.ready_ms())
                run.stop()

        idle = {}
        for name, argv in programs.items():
            run = Run(argv, env, work / f"idle-{name}.log")
            run.ready_ms()
            time.sleep(args.idle)
            pids = descendants(run.proc.pid)
            pss = pss_kib(pids)
            t0 = cpu_ticks(pids)
            time.sleep(args.idle)
            ticks = cpu_ticks(descendants(run.proc.pid)) - t0
            idle[name] = {"processes": len(pids), "pss_mib": pss / 1024, "cpu_pct": ticks / CLK_TCK / args.idle * 100}
            run.stop()
    finally:
        fake.terminate()
        shutil.rmtree(work, ignore_errors=True)

    b, a = "bare window", "coinlytics"
    med = {n: statistics.median(v) for n, v in starts.items()}
    print(f"profile {args.profile}; {args.runs} start-ups each; idle after {args.idle} s, CPU over the next {args.idle} s\n")
    print("| figure | bare window | coinlytics | target | met |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| start to painted dashboard (median; all) | {med[b]:.0f} ms ({', '.join(f'{x:.0f}' for x in starts[b])}) "
          f"| {med[a]:.0f} ms ({', '.join(f'{x:.0f}' for x in starts[a])}) | ≤ bare + 200 ms "
          f"| {'yes' if med[a] <= med[b] + 200 else 'NO'} |")
    print(f"| idle memory, PSS of {idle[a]['processes']} processes (bare: {idle[b]['processes']}) "
          f"| {idle[b]['pss_mib']:.1f} MiB | {idle[a]['pss_mib']:.1f} MiB ({idle[a]['pss_mib'] / idle[b]['pss_mib']:.2f}×) "
          f"| ≤ 1.25 × bare | {'yes' if idle[a]['pss_mib'] <= 1.25 * idle[b]['pss_mib'] else 'NO'} |")
    print(f"| idle CPU (10 s refresh) | {idle[b]['cpu_pct']:.2f} % | {idle[a]['cpu_pct']:.2f} % | ≤ 1 % of a core "
          f"| {'yes' if idle[a]['cpu_pct'] <= 1 else 'NO'} |")


if __name__ == "__main__":
    main()
