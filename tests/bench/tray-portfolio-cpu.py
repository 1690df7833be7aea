#!/usr/bin/env python3
"""The tray's cost of showing the portfolio's total, for BENCHMARKS.md.

The app (`coinlytics-desktop --hidden`: the window never shown, so only
the tray works) with --txs transactions in one portfolio, `tray_portfolio`
on, three watched coins streamed by a fake Binance (`fake-exchange`,
--rate ticks a second over them, so the tray takes a moved price every
4 s) and the fake CoinGecko (refresh every 60 s). After --settle s, the
CPU time of the app's own process (utime + stime of /proc/PID/stat) over
--idle s; then the same with `tray_portfolio` off, for the difference.

The transactions are generated as in portfolio-view.py (generic format,
buys of 1 and sales of 0.5 an hour apart from 2024-01-01, over the three
coins, a 0.1 USD fee each) and imported through `coinlytics portfolio
import`.

Build first (the same profile for each build compared):
    cargo build --workspace --bins
Run (it starts its own X display and session bus when DISPLAY is unset):
    python3 tests/bench/tray-portfolio-cpu.py [--profile debug] [--bin-dir DIR] [--txs 10000]
--bin-dir takes `coinlytics-desktop` and `coinlytics` from another build
(e.g. one of main kept aside); the fake servers always come from --profile.
"""

import argparse
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("app_figures", HERE / "app-figures.py")
figures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(figures)

COINS = {"bitcoin": "BTC", "ethereum": "ETH", "solana": "SOL"}


def transactions(path, ids, n):
    """`n` rows of the generic format over `ids`: per coin, a buy of 1, then
    alternately a sale of 0.5 and a buy of 1, so nothing is ever oversold."""
    with open(path, "w") as f:
        f.write("time,type,coin,quantity,price,currency,fee,fee_currency,note\n")
        start = 1_704_067_200  # 2024-01-01
        for i in range(n):
            coin = ids[i % len(ids)]
            k = i // len(ids)
            kind, qty = ("sell", "0.5") if k % 2 else ("buy", "1")
            t = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + 3600 * i))
            f.write(f"{t},{kind},{coin},{qty},{100 + i % 50}.25,usd,0.1,usd,\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", default="debug")
    ap.add_argument("--bin-dir", help="where coinlytics-desktop and coinlytics are (default: target/PROFILE)")
    ap.add_argument("--txs", type=int, default=10_000)
    ap.add_argument("--settle", type=int, default=20, help="seconds after the start")
    ap.add_argument("--idle", type=int, default=60, help="seconds of the CPU measurement")
    ap.add_argument("--rate", type=int, default=30, help="ticks a second from the fake Binance")
    args = ap.parse_args()
    if not os.environ.get("DISPLAY"):
        os.execvp("dbus-run-session", ["dbus-run-session", "--", "xvfb-run", "-a", "-s", "-screen 0 1280x800x24",
                                        sys.executable, *sys.argv])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    target = figures.ROOT / "target" / args.profile
    bins = Path(args.bin_dir) if args.bin_dir else target
    cli, desktop = bins / "coinlytics", bins / "coinlytics-desktop"
    cg_bin, ex_bin = target / "fake-coingecko", target / "fake-exchange"
    for p in (cli, desktop, cg_bin, ex_bin):
        if not p.exists():
            sys.exit(f"missing {p}: cargo build --{args.profile} --workspace --bins")
    work = Path(tempfile.mkdtemp(prefix="coinlytics-tray-cpu-"))
    fake, env = figures.fake_and_env(cg_bin, work, refresh_secs=60)
    pairs = ",".join(f"{s}USDT" for s in COINS.values())
    exchange = subprocess.Popen([ex_bin, "binance", "--pairs", pairs, "--flood", str(args.rate),
                                 "--flood-secs", "86400"], stdout=subprocess.PIPE, text=True)
    rest, ws = exchange.stdout.readline().split()
    env.update({"COINLYTICS_SOURCES": "coingecko,binance", "COINLYTICS_BINANCE_URL": rest,
                "COINLYTICS_BINANCE_WS_URL": ws, "COINLYTICS_STREAMING": "true"})
    results = {}
    try:
        subprocess.run([cli, "watchlist", "add", *COINS], env=env, capture_output=True, check=True)
        subprocess.run([cli, "prices"], env=env, capture_output=True, check=True)
        csv = work / "txs.csv"
        transactions(csv, list(COINS), args.txs)
        began = time.monotonic()
        subprocess.run([cli, "portfolio", "import", str(csv), "--portfolio", "Main", "--format", "generic"],
                       env=env, capture_output=True, check=True)
        import_s = time.monotonic() - began
        listed = subprocess.run([cli, "portfolio", "ls", "--json"], env=env, capture_output=True, check=True)
        stored = len(json.loads(listed.stdout))
        if stored != args.txs:
            sys.exit(f"{stored} transactions stored, not {args.txs}")
        for name, on in (("tray_portfolio on", "true"), ("tray_portfolio off", "false")):
            subprocess.run([cli, "config", "set", "tray_portfolio", on], env=env, capture_output=True, check=True)
            run = figures.Run([str(desktop), "--hidden"], env, work / f"{on}.log")
            time.sleep(args.settle)
            if run.proc.poll() is not None:
                sys.exit(f"the app exited:\n{(work / f'{on}.log').read_text()}")
            t0 = figures.cpu_ticks([run.proc.pid])
            time.sleep(args.idle)
            ticks = figures.cpu_ticks([run.proc.pid]) - t0
            results[name] = ticks / figures.CLK_TCK / args.idle * 100
            run.stop()
    finally:
        for run in list(reversed(figures.STARTED)):
            run.stop()
        for p in (fake, exchange):
            p.terminate()
            p.wait()
        shutil.rmtree(work, ignore_errors=True)
    print(f"{desktop} ({args.profile}); {args.txs} transactions over {len(COINS)} streamed coins "
          f"(imported in {import_s:.1f} s), fake Binance at {args.rate} ticks/s; CPU of the app's process "
          f"over {args.idle} s, {args.settle} s after its start\n")
    print("| mode | CPU (one core = 100 %) |")
    print("| --- | --- |")
    for name, pct in results.items():
        print(f"| {name} | {pct:.2f} % |")


if __name__ == "__main__":
    main()
