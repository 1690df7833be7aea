#!/usr/bin/env python3
"""Terminal ticker figures for BENCHMARKS.md: `coinlytics watch`, headless.

The issue's run: `coinlytics watch` for 60 s refreshing every 5 s against
the fake CoinGecko server (--drift, 300 coins), the watchlist empty so the
ticker shows the top 20 coins, stdout piped so it prints one table per
update. Each run is measured by /usr/bin/time -f '%M %U %S %e' and stopped
with SIGINT (Ctrl-C) sent to coinlytics itself, never to time; coinlytics
then exits on its own and time prints its line. Reported per run and as the
median of --runs runs:
  - peak RSS (time's %M, the kernel's ru_maxrss of coinlytics), MiB;
  - CPU time, user + sys (time's %U + %S, 10 ms steps), s;
  - refreshes: the tables watch printed with fresh prices (see below);
  - CPU ms per refresh: the same rusage counters time reads, taken to 1 us
    from wait4 (time's own ~1 ms included) so that 10 ms steps do not
    dominate, divided by the refreshes; start-up is included, as a user
    pays it too;
  - steady CPU per refresh: CPU of coinlytics' threads (/proc/PID/task/*/
    schedstat, ns, sampled every 0.25 s so that threads which end in between
    still count) from its first table to the end of the run, over the
    refreshes after the first, i.e. without start-up;
  - RSS split at the end of the run (/proc/PID/status: anonymous, file-backed);
and, for the binary: shared libraries linked (`ldd BIN | wc -l`) and the
peak RSS of `BIN --version` under /usr/bin/time (median of --runs).

Refreshes are counted from watch's own output: piped, it prints one table
per refresh, each headed by its status line ("Coinlytics · N coins in USD ·
updated ..."); a table after a failed refresh carries an "OFFLINE:" line
and is not counted (the run is flagged). A table is one refresh however
many pages it took and only once it is complete, so a request still in
flight at Ctrl-C is not counted. As a cross-check the fake server's count
of /coins/markets requests (GET /__control/requests) is shown beside it;
with the top 20 coins one refresh is one request.

Everything runs in a fresh temporary directory per run, used as HOME,
XDG_CONFIG_HOME, XDG_DATA_HOME and COINLYTICS_DATA_DIR, with a config file
of its own, the keyring service "coinlytics-bench" and no API plan (so the
keyring is never read), every inherited COINLYTICS_* variable and RUST_LOG
dropped, DISPLAY and WAYLAND_DISPLAY unset. The fake server listens on
127.0.0.1 only. Nothing of the user's data, settings or keyring is touched.

Build first (release, as users run it):
    cargo build --release --locked -p coinlytics --bin coinlytics
    cargo build --release --locked -p coinlytics-tests --bin fake-coingecko
Run (takes about runs x secs; prints a Markdown table for BENCHMARKS.md):
    python3 tests/bench/ticker-figures.py [--bin target/release/coinlytics]
        [--fake target/release/fake-coingecko] [--secs 60] [--refresh 5] [--runs 3]
"""

import argparse
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
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TIME = "/usr/bin/time"
TIME_FORMAT = "%M %U %S %e"  # peak RSS KiB, user s, sys s, elapsed s
STATUS_LINE = re.compile(r"^Coinlytics · (\d+) coins in ")
OFFLINE_LINE = "OFFLINE:"
FAKE_URL = re.compile(r"^http://127\.0\.0\.1:\d+/api/v3$")


def mib(kib):
    return kib / 1024


def child_of(pid, exe, timeout=10.0):
    """The pid of `pid`'s child once it runs `exe` (time forks, then execs)."""
    want = os.path.realpath(exe)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            kids = [int(k) for k in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            kids = []
        for k in kids:
            try:
                if os.path.realpath(f"/proc/{k}/exe") == want:
                    return k
            except OSError:
                pass
        time.sleep(0.005)
    return None


def thread_cpu_ns(pid):
    """{tid: CPU time in ns} of `pid`'s live threads (schedstat)."""
    out = {}
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                out[task.name] = int((task / "schedstat").read_text().split()[0])
            except (OSError, ValueError, IndexError):
                pass
    except OSError:
        pass
    return out


def proc_status(pid):
    """VmHWM, VmRSS, RssAnon, RssFile, RssShmem of `pid` in KiB."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS", "RssAnon", "RssFile", "RssShmem", "Threads"):
                out[key] = int(value.split()[0])
    except OSError:
        pass
    return out


def parse_time(path):
    """time's last line: peak RSS KiB, user s, sys s, elapsed s."""
    lines = [l for l in Path(path).read_text().splitlines() if l.strip()]
    if not lines:
        raise RuntimeError(f"{TIME} printed nothing to {path}")
    kib, user, sys_, elapsed = lines[-1].split()
    return {"rss_kib": int(kib), "user": float(user), "sys": float(sys_), "elapsed": float(elapsed),
            "notes": lines[:-1]}


def base_env(work, refresh):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("COINLYTICS_") and k not in ("RUST_LOG", "DISPLAY", "WAYLAND_DISPLAY")}
    env.update({
        "HOME": str(work / "home"),
        "XDG_CONFIG_HOME": str(work / "home" / ".config"),
        "XDG_DATA_HOME": str(work / "home" / ".local" / "share"),
        "COINLYTICS_DATA_DIR": str(work / "data"),
        "COINLYTICS_CONFIG": str(work / "config.toml"),
        "COINLYTICS_KEYRING_SERVICE": "coinlytics-bench",
        "COINLYTICS_COINGECKO_API_PLAN": "none",
        "COINLYTICS_REFRESH_SECS": str(refresh),
        "COINLYTICS_REQUESTS_PER_MINUTE": "600",
        "COINLYTICS_SOURCES": "coingecko",
    })
    for d in ("home/.config", "home/.local/share", "data"):
        (work / d).mkdir(parents=True, exist_ok=True)
    return env


class Fake:
    """The fake CoinGecko server on 127.0.0.1, prices drifting."""

    def __init__(self, fake_bin):
        self.proc = subprocess.Popen([str(fake_bin), "--drift"], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        self.url = self.proc.stdout.readline().strip()
        if not FAKE_URL.match(self.url):
            self.stop()
            sys.exit(f"{fake_bin}: expected http://127.0.0.1:PORT/api/v3, got {self.url!r}")

    def requests(self):
        control = self.url.removesuffix("/api/v3") + "/__control/requests"
        with urllib.request.urlopen(control, timeout=5) as r:
            return json.load(r)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # it shuts down on Ctrl-C
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def watch_run(bin_, fake_bin, secs, refresh):
    """One `coinlytics watch` run; returns its figures."""
    work = Path(tempfile.mkdtemp(prefix="coinlytics-ticker-"))
    fake = Fake(fake_bin)
    proc = None
    try:
        env = base_env(work, refresh)
        env["COINLYTICS_COINGECKO_URL"] = fake.url
        time_file, stderr_file = work / "time.txt", work / "stderr.log"
        tables = {"fresh": 0, "offline": 0, "coins": set(), "at": []}
        # Thread CPU when the first status line was read, and as last seen since.
        cpu = {"first": None, "nth": 0, "last": {}}
        pid = None

        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        with open(stderr_file, "wb") as err:
            proc = subprocess.Popen([TIME, "-o", str(time_file), "-f", TIME_FORMAT, str(bin_), "watch"],
                                    env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)

        def read():
            """Drain stdout (a pipe: watch prints a table per update)."""
            current = None
            for raw in proc.stdout:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                m = STATUS_LINE.match(line)
                if m:
                    current = "fresh"
                    tables["coins"].add(int(m.group(1)))
                    tables["at"].append(time.monotonic() - t0)
                    if cpu["first"] is None and pid is not None:
                        snap = thread_cpu_ns(pid)
                        cpu["last"], cpu["nth"] = dict(snap), len(tables["at"])
                        cpu["first"] = snap
                elif line.startswith(OFFLINE_LINE):
                    current = "offline"
                elif line == "" and current:
                    tables[current] += 1  # a table ends with an empty line
                    current = None

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        pid = child_of(proc.pid, bin_)
        if pid is None:
            raise RuntimeError(f"{bin_} did not start under {TIME}; stderr:\n{stderr_file.read_text()}")

        end = t0 + secs
        while (left := end - time.monotonic()) > 0:
            if proc.poll() is not None:
                raise RuntimeError(f"watch exited after {time.monotonic() - t0:.1f} s; stderr:\n"
                                   f"{stderr_file.read_text(errors='replace')}")
            if cpu["first"] is not None:
                cpu["last"].update(thread_cpu_ns(pid))
            time.sleep(min(left, 0.25))
        status = proc_status(pid)
        cpu["last"].update(thread_cpu_ns(pid))
        os.kill(pid, signal.SIGINT)  # coinlytics, not time: time must outlive it to report
        try:
            rc = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(pid, signal.SIGKILL)
            proc.wait()
            raise RuntimeError("watch did not exit within 15 s of SIGINT")
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        reader.join(timeout=5)
        if rc != 0:
            raise RuntimeError(f"watch exited with {rc} after SIGINT; stderr:\n{stderr_file.read_text(errors='replace')}")

        t = parse_time(time_file)
        seen = fake.requests()
        cpu_precise = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        refreshes = tables["fresh"]
        steady = float("nan")
        if cpu["first"] is not None and refreshes > cpu["nth"]:
            ns = sum(v - cpu["first"].get(tid, 0) for tid, v in cpu["last"].items())
            steady = ns / 1e6 / (refreshes - cpu["nth"])
        return {
            "rss_mib": mib(t["rss_kib"]),
            "cpu_s": t["user"] + t["sys"],
            "user_s": t["user"],
            "sys_s": t["sys"],
            "elapsed_s": t["elapsed"],
            "cpu_precise_s": cpu_precise,
            "refreshes": refreshes,
            "offline": tables["offline"],
            "coins": sorted(tables["coins"]),
            "first_table_ms": tables["at"][0] * 1000 if tables["at"] else None,
            "cpu_ms_per_refresh": cpu_precise * 1000 / refreshes if refreshes else float("nan"),
            "steady_ms_per_refresh": steady,
            "markets_requests": seen.get("/coins/markets", 0),
            "api_requests": seen,
            "end_anon_mib": mib(status.get("RssAnon", 0)),
            "end_file_mib": mib(status.get("RssFile", 0)),
            "end_shmem_mib": mib(status.get("RssShmem", 0)),
            "threads": status.get("Threads"),
            "time_notes": t["notes"],
        }
    finally:
        if proc is not None and proc.poll() is None:
            pid = child_of(proc.pid, bin_, timeout=0.5)
            if pid:
                os.kill(pid, signal.SIGKILL)
            proc.kill()
            proc.wait()
        fake.stop()
        shutil.rmtree(work, ignore_errors=True)


def version_run(bin_, refresh):
    """Peak RSS and CPU of `BIN --version` under /usr/bin/time."""
    work = Path(tempfile.mkdtemp(prefix="coinlytics-ticker-"))
    try:
        env = base_env(work, refresh)
        out = work / "time.txt"
        r = subprocess.run([TIME, "-o", str(out), "-f", TIME_FORMAT, str(bin_), "--version"],
                           env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"{bin_} --version failed: {r.stderr}")
        t = parse_time(out)
        return {"version": r.stdout.strip(), "rss_mib": mib(t["rss_kib"]), "cpu_s": t["user"] + t["sys"]}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def shared_libs(bin_):
    r = subprocess.run(["ldd", str(bin_)], capture_output=True, text=True)
    return len(r.stdout.splitlines())  # as `ldd BIN | wc -l`


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", type=Path, default=ROOT / "target" / "release" / "coinlytics",
                    help="the coinlytics binary (default: %(default)s)")
    ap.add_argument("--fake", type=Path, default=ROOT / "target" / "release" / "fake-coingecko",
                    help="the fake-coingecko binary (default: %(default)s)")
    ap.add_argument("--secs", type=float, default=60, help="length of each run, s (default: 60)")
    ap.add_argument("--refresh", type=int, default=5, help="COINLYTICS_REFRESH_SECS (default: 5, the minimum)")
    ap.add_argument("--runs", type=int, default=3, help="runs of watch (default: 3)")
    args = ap.parse_args()

    for p in (args.bin, args.fake):
        if not p.is_file():
            sys.exit(f"missing {p}: build it first (see --help)")
    if not os.access(TIME, os.X_OK):
        sys.exit(f"missing {TIME} (Debian: apt-get install time)")
    bin_, fake = args.bin.resolve(), args.fake.resolve()

    libs = shared_libs(bin_)
    versions = [version_run(bin_, args.refresh) for _ in range(args.runs)]
    runs = []
    for i in range(args.runs):
        r = watch_run(bin_, fake, args.secs, args.refresh)
        runs.append(r)
        print(f"run {i + 1}: peak RSS {r['rss_mib']:.1f} MiB, CPU {r['user_s']:.2f} user + {r['sys_s']:.2f} sys s "
              f"({r['cpu_precise_s'] * 1000:.1f} ms by wait4), {r['elapsed_s']:.2f} s elapsed, "
              f"{r['refreshes']} tables of {'/'.join(map(str, r['coins']))} coins "
              f"({r['offline']} offline; first after {r['first_table_ms']:.0f} ms), "
              f"fake served {json.dumps(r['api_requests'], sort_keys=True)}; at the end RSS "
              f"{r['end_anon_mib']:.1f} anon + {r['end_file_mib']:.1f} file + {r['end_shmem_mib']:.1f} shmem MiB, "
              f"{r['threads']} threads" + (f"; time: {'; '.join(r['time_notes'])}" if r["time_notes"] else ""),
              file=sys.stderr, flush=True)

    def med(key):
        return statistics.median(r[key] for r in runs)

    problems = []
    for i, r in enumerate(runs, 1):
        if r["offline"]:
            problems.append(f"run {i}: {r['offline']} refreshes failed (OFFLINE tables)")
        if abs(r["markets_requests"] - r["refreshes"]) > 1:
            problems.append(f"run {i}: {r['refreshes']} tables but {r['markets_requests']} /coins/markets requests")

    print(f"`{bin_.name} watch`, {args.secs:g} s refreshing every {args.refresh} s, watchlist empty (top 20 coins), "
          f"stdout piped, stopped with SIGINT; fake CoinGecko on 127.0.0.1 with --drift; {args.runs} runs; "
          f"binary {versions[0]['version']} ({bin_})\n")
    print("| run | peak RSS | CPU (user + sys) | refreshes (tables; /coins/markets requests) "
          "| CPU per refresh | steady CPU per refresh (no start-up) | RSS at the end: anon + file |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for i, r in enumerate(runs, 1):
        print(f"| {i} | {r['rss_mib']:.1f} MiB | {r['cpu_s']:.2f} s | {r['refreshes']} ({r['markets_requests']}) "
              f"| {r['cpu_ms_per_refresh']:.1f} ms | {r['steady_ms_per_refresh']:.2f} ms "
              f"| {r['end_anon_mib']:.1f} + {r['end_file_mib']:.1f} MiB |")
    print(f"| **median** | **{med('rss_mib'):.1f} MiB** | **{med('cpu_s'):.2f} s** | **{med('refreshes'):g}** "
          f"({med('markets_requests'):g}) | **{med('cpu_ms_per_refresh'):.1f} ms** "
          f"| {med('steady_ms_per_refresh'):.2f} ms | {med('end_anon_mib'):.1f} + {med('end_file_mib'):.1f} MiB |")
    print()
    print("| binary figure | value |")
    print("| --- | --- |")
    print(f"| shared libraries linked (`ldd {bin_.name} \\| wc -l`) | {libs} |")
    print(f"| `{bin_.name} --version` peak RSS, median of {len(versions)} | "
          f"{statistics.median(v['rss_mib'] for v in versions):.1f} MiB |")
    print(f"| `{bin_.name} --version` CPU, median of {len(versions)} | "
          f"{statistics.median(v['cpu_s'] for v in versions) * 1000:.0f} ms |")
    print()
    print("Peak RSS is /usr/bin/time's %M; CPU is its %U + %S. CPU per refresh divides the same rusage, "
          "read to 1 µs through wait4 (start-up included), by the refreshes: the tables watch printed "
          "with fresh prices, cross-checked against the requests the fake server counted. Steady CPU per "
          "refresh is the CPU of coinlytics' threads (/proc/PID/task/*/schedstat) from its first table to "
          "the end of the run over the refreshes after the first.")
    if problems:
        print("\nPROBLEMS:\n- " + "\n- ".join(problems))
        sys.exit(1)


if __name__ == "__main__":
    main()
