#!/usr/bin/env python3
"""`coinlytics serve`'s stream fanned out to many WebSocket clients, for
BENCHMARKS.md (issue 20): a streamed tick to 1,000 clients, and the
server's memory with them connected.

Everything on 127.0.0.1, in a temporary home: the fake CoinGecko (300
coins, a refresh every 60 s), a fake Binance (`fake-exchange`) streaming
--coins watched coins at --rate ticks a second in all (a steady stream,
not a flood: the server sends them coalesced per 250 ms frame; --watch
more coins watched, not streamed, makes each `market` message bigger), a token
made with `api token create`, and `coinlytics serve` (release). Measured:
  - idle: serve's VmRSS after --idle s with no client (the exchange's
    stream running, so the feed has ticks and nobody to send them to);
  - ws-fanout (one process, one clock): --clients clients subscribed to
    `prices`; each `ticks` frame's fan-out latency to the last client
    (its last receive time minus its first, over all clients), p50 and
    p99 over the frames of --secs s, and the frames any client missed;
  - serve's VmRSS while they are connected (sampled every 0.5 s: the
    median and the most) and its VmHWM, and both processes' CPU; and the
    CPU the rest of the machine used meanwhile (a build running beside
    makes the latencies worse: run on an otherwise quiet machine).

Build first:
    cargo build --release -p coinlytics --bin coinlytics -p coinlytics-tests --bins
Run:
    python3 tests/bench/serve-fanout.py [--runs 1] [--clients 1000] [--secs 60] [--idle 10] [--coins 5] [--rate 20]
        [--watch 0] [--bin-dir target/release]
"""

import argparse
import importlib.util
import json
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("app_figures", HERE / "app-figures.py")
figures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(figures)

# Coins Binance streams (engine/src/provider/exchange/listing.rs), as the
# fake names their markets.
COINS = {"bitcoin": "BTC", "ethereum": "ETH", "solana": "SOL", "ripple": "XRP", "cardano": "ADA",
         "dogecoin": "DOGE", "polkadot": "DOT", "litecoin": "LTC", "chainlink": "LINK", "avalanche-2": "AVAX"}
SERVING = re.compile(r"serving the local API at http://(\S+)/api/v1")


def mib(kib):
    return kib / 1024


def status_kib(proc, field, log):
    """A figure of /proc/PID/status, in KiB; exits with the log if the process ended."""
    if proc.poll() is None:
        for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    sys.exit(f"{log}: exited ({proc.poll()}):\n{Path(log).read_text(errors='replace')[-4000:]}")


def machine_ticks():
    """(busy, all) clock ticks of every CPU since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return sum(fields[:8]) - idle, sum(fields[:8])


def wait_for(path, pattern, proc, timeout):
    """The first match of `pattern` in the file at `path`, while `proc` runs."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = re.search(pattern, Path(path).read_text(errors="replace"))
        if m:
            return m
        if proc.poll() is not None:
            sys.exit(f"{path}: exited ({proc.returncode}) first:\n{Path(path).read_text(errors='replace')}")
        time.sleep(0.05)
    sys.exit(f"{path}: no {pattern!r} within {timeout} s:\n{Path(path).read_text(errors='replace')}")


def one_run(args, target, work):
    fake, env = figures.fake_and_env(target / "fake-coingecko", work, refresh_secs=60)
    coins = dict(list(COINS.items())[: args.coins])
    exchange = subprocess.Popen([target / "fake-exchange", "binance", "--pairs",
                                 ",".join(f"{s}USDT" for s in coins.values()),
                                 "--flood", str(args.rate), "--flood-secs", "86400"],
                                stdout=subprocess.PIPE, text=True)
    procs = [fake, exchange]
    try:
        rest, ws = exchange.stdout.readline().split()
        home = work / "home"
        env.update({
            "XDG_CONFIG_HOME": str(home / ".config"), "XDG_DATA_HOME": str(home / ".local/share"),
            "XDG_CACHE_HOME": str(home / ".cache"), "XDG_STATE_HOME": str(home / ".local/state"),
            "COINLYTICS_SOURCES": "coingecko,binance", "COINLYTICS_BINANCE_URL": rest,
            "COINLYTICS_BINANCE_WS_URL": ws, "COINLYTICS_STREAMING": "true",
            "COINLYTICS_API_REQUESTS_PER_SECOND": "1000000",
            "COINLYTICS_KEYRING_SERVICE": "coinlytics-bench", "RUST_LOG": "warn",
        })
        for name in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "COINLYTICS_CURRENCY",
                     "COINLYTICS_COINGECKO_API_PLAN"):
            env.pop(name, None)
        app = str(target / "coinlytics")
        # More watched coins than streamed ones: the fake's coins past its
        # real ones, in every `market` message but never in `ticks`.
        watched = [*coins, *(f"coin-{rank:03}" for rank in range(200, 200 + max(args.watch - len(coins), 0)))]
        subprocess.run([app, "watchlist", "add", *watched], env=env, capture_output=True, check=True)
        listed = json.loads(subprocess.run([app, "watchlist", "ls", "--json"], env=env, capture_output=True,
                                           check=True).stdout)
        if len(listed) != len(watched):
            sys.exit(f"the watchlist has {len(listed)} coins, not {len(watched)}")
        subprocess.run([app, "prices"], env=env, capture_output=True, check=True)
        token = subprocess.run([app, "api", "token", "create", "fanout"], env=env, capture_output=True,
                               text=True, check=True).stdout.strip()

        log = work / "serve.log"
        with open(log, "wb") as out:
            serve = subprocess.Popen([app, "serve", "--listen", "127.0.0.1:0"], env=env, stdout=out,
                                     stderr=subprocess.STDOUT)
        procs.append(serve)
        addr = wait_for(log, SERVING, serve, 30).group(1)
        time.sleep(args.idle)
        idle_rss, idle_hwm = status_kib(serve, "VmRSS", log), status_kib(serve, "VmHWM", log)

        fan_err = work / "ws-fanout.err"
        with open(fan_err, "wb") as err:
            fanout = subprocess.Popen([target / "ws-fanout", "--url", f"ws://{addr}/api/v1/stream",
                                       "--clients", str(args.clients), "--secs", str(args.secs)],
                                      env=dict(env, COINLYTICS_TOKEN=token), stdout=subprocess.PIPE,
                                      stderr=err, text=True)
        procs.append(fanout)
        wait_for(fan_err, r"clients subscribed in", fanout, 120)
        wait_for(fan_err, r"measuring for", fanout, 60)
        t0, cpu0, fan_cpu0 = time.time(), figures.cpu_ticks([serve.pid]), figures.cpu_ticks([fanout.pid])
        busy0, _ = machine_ticks()
        samples = []
        while "closed;" not in fan_err.read_text(errors="replace") and fanout.poll() is None:
            samples.append(status_kib(serve, "VmRSS", log))
            time.sleep(0.5)
        wall = time.time() - t0
        serve_cpu = (figures.cpu_ticks([serve.pid]) - cpu0) / figures.CLK_TCK / wall * 100
        fan_cpu = (figures.cpu_ticks([fanout.pid]) - fan_cpu0) / figures.CLK_TCK / wall * 100
        # Everything else the machine ran meanwhile (a build would skew the latencies).
        other_cpu = (machine_ticks()[0] - busy0) / figures.CLK_TCK / wall * 100 - serve_cpu - fan_cpu
        hwm = status_kib(serve, "VmHWM", log)
        out, _ = fanout.communicate(timeout=120)
        report = json.loads(out.strip().splitlines()[-1])
        time.sleep(5)
        after_rss = status_kib(serve, "VmRSS", log)
        warnings = [line for line in log.read_text(errors="replace").splitlines() if "WARN" in line
                    or "ERROR" in line]
        return {"fanout": report, "fanout_text": out, "idle_rss": idle_rss, "idle_hwm": idle_hwm,
                "rss_median": statistics.median(samples), "rss_max": max(samples), "hwm": hwm,
                "after_rss": after_rss, "serve_cpu": serve_cpu, "fanout_cpu": fan_cpu, "other_cpu": other_cpu, "warnings": warnings}
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--secs", type=int, default=60, help="seconds of the measured window")
    ap.add_argument("--idle", type=int, default=10, help="seconds before the idle RSS")
    ap.add_argument("--coins", type=int, default=5, choices=range(1, len(COINS) + 1), metavar="1..10",
                    help="watched coins the fake Binance streams")
    ap.add_argument("--watch", type=int, default=0,
                    help="watched coins in all (default: only the streamed ones); the `market` message, sent "
                         "to every client after each refresh, grows with them")
    ap.add_argument("--rate", type=int, default=20, help="ticks a second from the fake Binance, over all coins")
    ap.add_argument("--bin-dir", type=Path, default=figures.ROOT / "target" / "release",
                    help="where the built programs are (a copy, to measure while cargo builds anew)")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    target = args.bin_dir
    for name in ("coinlytics", "fake-coingecko", "fake-exchange", "ws-fanout"):
        if not (target / name).exists():
            sys.exit(f"missing {target / name}: cargo build --release -p coinlytics --bin coinlytics "
                     "-p coinlytics-tests --bins")
    # A socket each client, on both ends: raised here, inherited by both.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = args.clients + 512
    if hard != resource.RLIM_INFINITY and hard < want:
        sys.exit(f"RLIMIT_NOFILE's hard limit is {hard}; {want} descriptors are needed")
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else want, hard))

    results = []
    for i in range(args.runs):
        work = Path(tempfile.mkdtemp(prefix="coinlytics-serve-fanout-"))
        try:
            r = one_run(args, target, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        results.append(r)
        print(f"run {i + 1}: ws-fanout says\n{r['fanout_text']}", file=sys.stderr)
        for w in r["warnings"][:10]:
            print(f"  serve: {w}", file=sys.stderr)
        if len(r["warnings"]) > 10:
            print(f"  serve: … {len(r['warnings']) - 10} more warnings", file=sys.stderr)

    print(f"`coinlytics serve`, {args.clients} clients of /api/v1/stream subscribed to prices; fake Binance "
          f"streaming {args.coins} of {max(args.watch, args.coins)} watched coins at {args.rate} ticks/s; "
          f"{args.secs} s measured\n")
    print("| run | frames | to the last client p50 / p99 / max | misses (frames / deliveries) | clients closed "
          "| idle RSS | RSS with the clients (median / most) | VmHWM | delta (most − idle) | serve CPU "
          "| ws-fanout CPU | other processes' CPU |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for i, r in enumerate(results, 1):
        f = r["fanout"]
        closed = sum(n for how, n in f["ends"].items() if how != "open until the end")
        print(f"| {i} | {f['frames']} | {f['last_p50_ms']:.1f} / {f['last_p99_ms']:.1f} / {f['last_max_ms']:.1f} ms "
              f"| {f['missed_frames']} / {f['missed_deliveries']} | {closed} "
              f"| {mib(r['idle_rss']):.1f} MiB | {mib(r['rss_median']):.1f} / {mib(r['rss_max']):.1f} MiB "
              f"| {mib(r['hwm']):.1f} MiB | {mib(r['rss_max'] - r['idle_rss']):+.1f} MiB "
              f"| {r['serve_cpu']:.0f} % | {r['fanout_cpu']:.0f} % | {max(r['other_cpu'], 0):.0f} % of {os.cpu_count()} cores |")
    for i, r in enumerate(results, 1):
        f = r["fanout"]
        print(f"run {i}: median client p50 {f['median_p50_ms']:.1f} / p99 {f['median_p99_ms']:.1f} ms; "
              f"connect {f['connect_secs']:.1f} s; ends {f['ends']}; serve after the clients left "
              f"{mib(r['after_rss']):.1f} MiB; idle VmHWM {mib(r['idle_hwm']):.1f} MiB; ws-fanout's own VmHWM "
              f"{mib(f['own_hwm_kib'] or 0):.1f} MiB ({f['read_buffer']}-byte read buffers); the largest message "
              f"of each kind (bytes): {f['largest_bytes']}")


if __name__ == "__main__":
    main()
