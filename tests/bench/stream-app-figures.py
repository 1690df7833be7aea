#!/usr/bin/env python3
"""The whole app with 50 streamed coins, for BENCHMARKS.md.

The window (release) with a watchlist of 50 coins that Binance streams,
against the fake CoinGecko (refresh every 60 s) and a fake Binance
(`fake-exchange`) flooding 1,000 ticks a second over them. Measured after
--settle s: the memory (PSS) of the app and every process under it, and its
CPU over the next --idle s; then the same app and watchlist with
`streaming = false` (REST polling only) for the difference. The window is
shown, so the page paints every frame of ticks (coalesced per coin per
16 ms). app-figures.py's helpers start and measure the programs.

Build first:
    cargo build --release --workspace --bins --examples
Run:
    python3 tests/bench/stream-app-figures.py [--settle 20] [--idle 30] [--rate 1000]
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

# The 50 coins Binance streams in engine/src/provider/exchange/listing.rs.
COINS = {
    "bitcoin": "BTC", "ethereum": "ETH", "solana": "SOL", "ripple": "XRP", "cardano": "ADA",
    "dogecoin": "DOGE", "polkadot": "DOT", "litecoin": "LTC", "chainlink": "LINK", "avalanche-2": "AVAX",
    "stellar": "XLM", "bitcoin-cash": "BCH", "uniswap": "UNI", "tron": "TRX", "binancecoin": "BNB",
    "the-open-network": "TON", "shiba-inu": "SHIB", "near": "NEAR", "internet-computer": "ICP", "aptos": "APT",
    "sui": "SUI", "ethereum-classic": "ETC", "filecoin": "FIL", "cosmos": "ATOM", "hedera-hashgraph": "HBAR",
    "arbitrum": "ARB", "optimism": "OP", "injective-protocol": "INJ", "aave": "AAVE", "pepe": "PEPE",
    "render-token": "RENDER", "the-graph": "GRT", "algorand": "ALGO", "vechain": "VET", "fetch-ai": "FET",
    "celestia": "TIA", "lido-dao": "LDO", "tezos": "XTZ", "the-sandbox": "SAND", "decentraland": "MANA",
    "axie-infinity": "AXS", "theta-token": "THETA", "curve-dao-token": "CRV", "zcash": "ZEC", "dash": "DASH",
    "neo": "NEO", "chiliz": "CHZ", "compound-governance-token": "COMP", "basic-attention-token": "BAT",
    "sei-network": "SEI",
}


def process_name(pid):
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return str(pid)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--settle", type=int, default=20, help="seconds after the dashboard painted")
    ap.add_argument("--idle", type=int, default=30, help="seconds of the CPU measurement")
    ap.add_argument("--rate", type=int, default=1000, help="ticks a second from the fake Binance")
    args = ap.parse_args()
    if not os.environ.get("DISPLAY"):
        os.execvp("dbus-run-session", ["dbus-run-session", "--", "xvfb-run", "-a", "-s", "-screen 0 1280x800x24",
                                        sys.executable, *sys.argv])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    target = figures.ROOT / "target" / "release"
    app, cg_bin, ex_bin = target / "coinlytics", target / "fake-coingecko", target / "fake-exchange"
    for p in (app, cg_bin, ex_bin):
        if not p.exists():
            sys.exit(f"missing {p}: cargo build --release --workspace --bins --examples")
    work = Path(tempfile.mkdtemp(prefix="coinlytics-stream-figures-"))
    fake, env = figures.fake_and_env(cg_bin, work, refresh_secs=60)
    pairs = ",".join(f"{s}USDT" for s in COINS.values())
    exchange = subprocess.Popen([ex_bin, "binance", "--pairs", pairs, "--flood", str(args.rate)],
                                stdout=subprocess.PIPE, text=True)
    rest, ws = exchange.stdout.readline().split()
    env.update({"COINLYTICS_SOURCES": "coingecko,binance", "COINLYTICS_BINANCE_URL": rest,
                "COINLYTICS_BINANCE_WS_URL": ws})
    results = {}
    try:
        subprocess.run([app, "watchlist", "add", *COINS], env=env, capture_output=True, check=True)
        listed = json.loads(subprocess.run([app, "watchlist", "ls", "--json"], env=env, capture_output=True,
                                           check=True).stdout)
        if len(listed) != len(COINS):
            sys.exit(f"the watchlist has {len(listed)} coins, not {len(COINS)}")
        subprocess.run([app, "prices"], env=env, capture_output=True, check=True)
        for name, streaming in (("streaming 50 coins", "true"), ("polling only", "false")):
            run = figures.Run([str(app)], dict(env, COINLYTICS_STREAMING=streaming), work / f"{streaming}.log")
            run.ready_ms()
            time.sleep(args.settle)
            pids = figures.descendants(run.proc.pid)
            before = {p: figures.cpu_ticks([p]) for p in pids}
            results[name] = figures.idle_figures(run.proc.pid, args.idle)
            results[name]["cpu_by_process"] = {
                process_name(p): (figures.cpu_ticks([p]) - t) / figures.CLK_TCK / args.idle * 100
                for p, t in before.items()}
            run.stop()
    finally:
        for run in list(reversed(figures.STARTED)):
            run.stop()
        for p in (fake, exchange):
            p.terminate()
            p.wait()
        shutil.rmtree(work, ignore_errors=True)
    print(f"the window, 50 watched coins, fake Binance at {args.rate} ticks/s; measured {args.settle} s after "
          f"the dashboard painted, CPU over {args.idle} s\n")
    print("| mode | memory (PSS, all processes) | CPU |")
    print("| --- | --- | --- |")
    for name, r in results.items():
        print(f"| {name} | {r['pss_mib']:.1f} MiB ({r['processes']} processes) | {r['cpu_pct']:.2f} % |")
    for name, r in results.items():
        print(f"CPU by process, {name}:", ", ".join(f"{n} {c:.1f} %" for n, c in r["cpu_by_process"].items()))
    by = results["streaming 50 coins"]["by_process"], results["polling only"]["by_process"]
    print("\nby process (streaming / polling):", ", ".join(f"{n} {by[0].get(n, 0):.1f} / {by[1].get(n, 0):.1f} MiB"
                                                          for n in sorted(by[0])))


if __name__ == "__main__":
    main()
