#!/usr/bin/env python3
"""Whole-app figures for BENCHMARKS.md: Coinlytics against a bare Tauri window.

Measured in one run, all built with the same profile, against the bare
window both as Tauri ships it and painting without GPU compositing as the
app does:
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
BARE, BARE_CPU, APP = "bare window", "bare window, CPU painting", "coinlytics"
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

        # The app paints without WebKit's GPU compositing (gui::paint_without_gpu_compositing);
        # the bare window is measured both ways: as Tauri ships it, and like the app.
        cpu_paint = dict(env, WEBKIT_DISABLE_COMPOSITING_MODE="1")
        programs = {
            BARE: ([str(bare)], env),
            BARE_CPU: ([str(bare)], cpu_paint),
            APP: ([str(app)], env),
        }
        starts = {name: [] for name in programs}
        for i in range(args.runs):
            for name, (argv, penv) in programs.items():  # interleaved, so all see the same machine
                run = Run(argv, penv, work / f"start-{i}.log")
                starts[name].append(run.ready_ms())
                run.stop()

        idle = {}
        for name, (argv, penv) in programs.items():
            run = Run(argv, penv, work / f"idle-{name}.log")
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

    med = {n: statistics.median(v) for n, v in starts.items()}
    print(f"profile {args.profile}; {args.runs} start-ups each; idle after {args.idle} s, CPU over the next {args.idle} s\n")
    print(f"| figure | {BARE} | {BARE_CPU} | {APP} | target (against the {BARE}) | met |")
    print("| --- | --- | --- | --- | --- | --- |")

    def row(figure, cells, target, met):
        print(f"| {figure} | {' | '.join(cells[n] for n in programs)} | {target} | {'yes' if met else 'NO'} |")

    row("start to painted dashboard, median (all)",
        {n: f"{med[n]:.0f} ms ({', '.join(f'{x:.0f}' for x in starts[n])})" for n in programs},
        "≤ bare + 200 ms", med[APP] <= med[BARE] + 200)
    ratios = " and ".join(f"{idle[APP]['pss_mib'] / idle[b]['pss_mib']:.2f}×" for b in (BARE, BARE_CPU))
    row(f"idle memory, PSS of {idle[APP]['processes']} processes",
        {n: f"{idle[n]['pss_mib']:.1f} MiB" for n in programs}
        | {APP: f"{idle[APP]['pss_mib']:.1f} MiB ({ratios})"},
        "≤ 1.25 × bare", idle[APP]["pss_mib"] <= 1.25 * idle[BARE]["pss_mib"])
    row("idle CPU (10 s refresh)", {n: f"{idle[n]['cpu_pct']:.2f} %" for n in programs},
        "≤ 1 % of a core", idle[APP]["cpu_pct"] <= 1)

if __name__ == "__main__":
    main()
