#!/usr/bin/env python3
"""Whole-app figures for BENCHMARKS.md: Coinlytics against a bare Tauri window.

Measured in one run, all built with the same profile, against the bare
window both as Tauri ships it and painting without GPU compositing as the
app does (the targets are against the latter: it paints the same way):
  - start-up: process start to the first painted dashboard (the UI's
    'dashboard ready' mark), with 100 coins stored in the watchlist;
  - idle memory: PSS (/proc/PID/smaps_rollup) summed over the app and all
    its descendants (WebKitWebProcess, WebKitNetworkProcess) after 60 s;
  - idle CPU: CPU time of the same processes over the following 60 s, the
    app refreshing every 10 s from the fake CoinGecko server;
  - a coin's chart open (the real window driven through WebDriver:
    tauri-driver + WebKitWebDriver, bitcoin backfilled a year first): idle
    memory and CPU as above with bitcoin's chart shown, then range switch to
    painted chart: from the click on a range's button to the page's mark
    (#chart's data-range, set once the chart's frame is painted), with the
    page's own data-paint-ms beside it; each range of 1d…max over --cycles
    cycles as a line, and once as candles.

Build first:
    cargo build --release --workspace --bins --examples
Run (it starts its own X display and session bus when DISPLAY is unset;
tauri-driver from ~/.cargo/bin or PATH: `cargo install tauri-driver --locked`):
    python3 tests/bench/app-figures.py [--profile release] [--runs 5] [--idle 60] [--cycles 5]
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BARE, BARE_CPU, APP = "bare window", "bare window, CPU painting", "coinlytics"
READY = re.compile(r"dashboard ready.*unix_ms=(\d+)")
CLK_TCK = os.sysconf("SC_CLK_TCK")
RANGES = ["1d", "7d", "30d", "90d", "1y", "max"]
COIN = "bitcoin"
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # W3C WebDriver's element reference key


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


def pss_by_process(pids):
    """{process name: PSS in KiB}, the first pid named 'app'."""
    out = {}
    for i, p in enumerate(pids):
        try:
            name = "app" if i == 0 else Path(f"/proc/{p}/comm").read_text().strip()
        except OSError:
            continue
        out[name] = out.get(name, 0) + pss_kib([p])
    return out


def pss_by_mapping(pids):
    """{(process name, mapping): PSS in KiB}: a mapping is its file's name,
    [heap], [stack] or "anonymous"; the first pid is named 'app'."""
    out = {}
    for i, p in enumerate(pids):
        try:
            name = "app" if i == 0 else Path(f"/proc/{p}/comm").read_text().strip()
            smaps = Path(f"/proc/{p}/smaps").read_text().splitlines()
        except OSError:
            continue
        mapping = None
        for line in smaps:
            first = line.split(maxsplit=6)
            if re.fullmatch(r"[0-9a-f]+-[0-9a-f]+", first[0]):
                mapping = first[5].strip() if len(first) > 5 else "anonymous"
                mapping = re.sub(r"^\[stack:\d+\]$", "[stack]", mapping)
            elif first[0] == "Pss:":
                key = (name, mapping)
                out[key] = out.get(key, 0) + int(first[1])
    return out


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


def idle_figures(pid, idle):
    """Memory now, then CPU over the next `idle` seconds, of pid and its descendants."""
    pids = descendants(pid)
    pss = pss_kib(pids)
    by_process = pss_by_process(pids)
    by_mapping = pss_by_mapping(pids)
    t0 = cpu_ticks(pids)
    time.sleep(idle)
    ticks = cpu_ticks(descendants(pid)) - t0
    return {"processes": len(pids), "pss_mib": pss / 1024, "cpu_pct": ticks / CLK_TCK / idle * 100,
            "by_process": {n: k / 1024 for n, k in by_process.items()},
            "by_mapping": {m: k / 1024 for m, k in by_mapping.items()}}


def started_at(pid):
    """The process's start time (clock ticks since boot), or None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2 :].split()[19])


def stop_tree(proc):
    """SIGTERM to proc and everything below it; waits for all of them."""
    pids = {p: started_at(p) for p in descendants(proc.pid)}
    for p in pids:
        try:
            os.kill(p, signal.SIGTERM)
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    deadline = time.time() + 20
    while any(Path(f"/proc/{p}").exists() for p in pids) and time.time() < deadline:
        time.sleep(0.05)
    for p, t in pids.items():  # what ignored SIGTERM (the same process, not a reused pid)
        if t is not None and started_at(p) == t:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass


class Run:
    """One started program whose stderr goes to a file we can poll."""

    def __init__(self, argv, env, log):
        self.log = log
        self.t0_ms = time.time() * 1000
        with open(log, "wb") as err:
            self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=err)
        STARTED.append(self)

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
        if self in STARTED:
            STARTED.remove(self)
            stop_tree(self.proc)


STARTED = []  # what is still running, stopped at exit whatever happens


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tauri_driver():
    home = os.environ.get("CARGO_HOME") or str(Path.home() / ".cargo")
    p = Path(home) / "bin" / "tauri-driver"
    if p.exists():
        return str(p)
    found = shutil.which("tauri-driver")
    if not found:
        sys.exit("no tauri-driver: cargo install tauri-driver --locked")
    return found


class WebDriverError(Exception):
    pass


class WebDriver(Run):
    """tauri-driver (it starts WebKitWebDriver, which starts the app with
    tauri-driver's environment) and one W3C WebDriver session on the app."""

    def __init__(self, app, env, log):
        self.port, self.session = free_port(), None
        super().__init__([tauri_driver(), "--port", str(self.port), "--native-port", str(free_port())], env, log)
        caps = {"capabilities": {"alwaysMatch": {"tauri:options": {"application": str(app)}}}}
        deadline = time.time() + 60
        while True:
            try:
                self.session = self.call("POST", "/session", caps, in_session=False)["sessionId"]
                return
            except urllib.error.HTTPError:
                raise
            except (urllib.error.URLError, ConnectionError):  # not listening yet
                if self.proc.poll() is not None or time.time() > deadline:
                    sys.exit(f"{log}: no WebDriver session:\n{Path(log).read_text(errors='replace')}")
                time.sleep(0.2)

    def call(self, method, path, body=None, in_session=True):
        url = f"http://127.0.0.1:{self.port}" + (f"/session/{self.session}" if in_session else "") + path
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
        try:
            for attempt in range(3):
                try:
                    with urllib.request.urlopen(req, timeout=60) as r:
                        return json.loads(r.read() or b"null").get("value")
                except (http.client.RemoteDisconnected, ConnectionResetError):
                    # tauri-driver answers so when the pooled connection it forwards on to
                    # WebKitWebDriver was closed meanwhile (after an idle pause): nothing was done.
                    if attempt == 2:
                        raise
                    time.sleep(0.1)
        except urllib.error.HTTPError as e:
            if not in_session or path == "":
                raise
            try:
                v = json.loads(e.read()).get("value", {})
            except ValueError:
                v = {}
            raise WebDriverError(f"{method} {path}: {v.get('error', e.code)}: {v.get('message', '')}") from None

    def execute(self, script, *args):
        return self.call("POST", "/execute/sync", {"script": script, "args": list(args)})

    def click(self, css):
        el = self.call("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]
        self.call("POST", f"/element/{el}/click", {})

    def wait_js(self, what, script, timeout=60):
        """Runs `script` (a function body) until it returns a truthy value; returns it."""
        deadline = time.time() + timeout
        while True:
            v = self.execute(script)
            if v:
                return v
            if time.time() > deadline:
                sys.exit(f"timed out waiting for {what}; page text:\n{self.execute('return document.body.innerText')}")
            time.sleep(0.02)

    def app_pid(self):
        """The app WebKitWebDriver started (`coinlytics` execs coinlytics-desktop: one pid)."""
        for p in descendants(self.proc.pid):
            try:
                if Path(f"/proc/{p}/comm").read_text().startswith("coinlytics"):
                    return p
            except OSError:
                pass
        sys.exit("the app started by WebDriver is not among tauri-driver's processes")

    def stop(self):
        if self in STARTED and self.session:
            try:
                self.call("DELETE", "")  # closes the app
            except (OSError, WebDriverError, urllib.error.URLError):
                pass
        super().stop()


# Installed in the page once: every chart mark (#chart's data-range is set
# last, after data-paint-ms and data-points) and every range button click.
RECORDER = """
if (!window.__figures) {
  const f = window.__figures = { marks: [], clicks: [] };
  const el = document.getElementById('chart');
  new MutationObserver(() => f.marks.push({ range: el.dataset.range, paint_ms: Number(el.dataset.paintMs),
      points: Number(el.dataset.points), t: performance.now() }))
    .observe(el, { attributes: true, attributeFilter: ['data-range'] });
  document.addEventListener('click', (e) => {
    const b = e.target.closest && e.target.closest('#chart-ranges button');
    if (b) f.clicks.push({ range: b.dataset.range, t: performance.now() });
  }, true);
}
return true;
"""


def switch_range(driver, rng, settle=1.0):
    """Clicks range `rng`, waits for its painted chart, and returns the page's
    mark, the click-to-mark time, and the redraws that came within `settle` s."""
    n = driver.execute("return window.__figures.marks.length")
    driver.click(f'#chart-ranges button[data-range="{rng}"]')
    driver.wait_js(f"the {rng} chart painted",
                   f"return window.__figures.marks.slice({n}).some((m) => m.range === '{rng}')", timeout=30)
    time.sleep(settle)
    f = driver.execute(f"const f = window.__figures; return {{ marks: f.marks.slice({n}), clicks: f.clicks }}")
    i = next(i for i, m in enumerate(f["marks"]) if m["range"] == rng)
    mark = f["marks"][i]
    click = [c for c in f["clicks"] if c["range"] == rng][-1]
    return {"range": rng, "paint_ms": mark["paint_ms"], "points": mark["points"],
            "click_to_mark_ms": mark["t"] - click["t"],
            "other_marks": [(m["range"], m["paint_ms"], m["points"]) for j, m in enumerate(f["marks"]) if j != i]}


def fake_and_env(fake_bin, work, refresh_secs):
    """The fake CoinGecko server on 127.0.0.1 (300 coins), and an environment
    that points the app at it, with its home, data and config in `work`."""
    fake = subprocess.Popen([fake_bin, "--coins", "300"], stdout=subprocess.PIPE, text=True)
    url = fake.stdout.readline().strip()
    env = dict(os.environ)
    env.update({
        "HOME": str(work / "home"),
        "COINLYTICS_DATA_DIR": str(work / "data"),
        "COINLYTICS_CONFIG": str(work / "config.toml"),
        "COINLYTICS_COINGECKO_URL": url,
        "COINLYTICS_REFRESH_SECS": str(refresh_secs),
        "COINLYTICS_REQUESTS_PER_MINUTE": "600",
        "COINLYTICS_SOURCES": "coingecko",
        "RUST_LOG": "warn,coinlytics=info",
    })
    (work / "home").mkdir()
    return fake, env


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", default="release")
    ap.add_argument("--runs", type=int, default=5, help="start-ups of each program")
    ap.add_argument("--idle", type=int, default=60, help="seconds before and of the idle measurement")
    ap.add_argument("--cycles", type=int, default=5, help="cycles through the chart's ranges")
    args = ap.parse_args()

    if not os.environ.get("DISPLAY"):
        os.execvp("dbus-run-session", ["dbus-run-session", "--", "xvfb-run", "-a", "-s", "-screen 0 1280x800x24",
                                        sys.executable, *sys.argv])
    # A SIGTERM (a timeout) still stops what we started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))

    target = ROOT / "target" / args.profile
    app, bare, fake_bin = target / "coinlytics", target / "examples" / "bare_window", target / "fake-coingecko"
    for p in (app, bare, fake_bin):
        if not p.exists():
            sys.exit(f"missing {p}: cargo build --{args.profile} --workspace --bins --examples")

    work = Path(tempfile.mkdtemp(prefix="coinlytics-figures-"))
    fake, env = fake_and_env(fake_bin, work, refresh_secs=10)
    try:
        # 100 coins in the watchlist, with stored quotes.
        top = subprocess.run([app, "prices", "--json", "--top", "100"], env=env, capture_output=True, check=True)
        ids = [q["id"] for q in json.loads(top.stdout)]
        if COIN not in ids:
            sys.exit(f"{COIN} is not among the fake server's top 100")
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
            idle[name] = idle_figures(run.proc.pid, args.idle)
            run.stop()

        # A coin's chart open, in the real window driven through WebDriver.
        # A year of bitcoin's history first, as `coinlytics backfill` stores it.
        subprocess.run([app, "backfill", "--coins", COIN, "--range", "1y"], env=env, capture_output=True, check=True)
        driver = WebDriver(app, env, work / "webdriver.log")
        driver.wait_js("the dashboard", "return document.body.dataset.ready === 'true'")
        pid = driver.app_pid()
        # The same app under automation, its dashboard shown: what WebDriver adds.
        time.sleep(args.idle)
        automated = {"pss_mib": pss_kib(descendants(pid)) / 1024,
                     "by_process": {n: k / 1024 for n, k in pss_by_process(descendants(pid)).items()}}
        driver.click(f'#watchlist-table tr[data-id="{COIN}"] .coin-link')
        first = driver.wait_js(f"{COIN}'s chart painted", """
            const el = document.getElementById('chart');
            return !document.getElementById('view-coin').hidden && el.dataset.range && el.querySelector('canvas')
              && !/Fetching/.test(document.getElementById('chart-state').textContent)
              ? { range: el.dataset.range, paint_ms: Number(el.dataset.paintMs), points: Number(el.dataset.points) } : null""")
        time.sleep(args.idle)
        chart = idle_figures(pid, args.idle)

        driver.execute(RECORDER)
        switches = {"line": [], "candles": []}
        for _ in range(args.cycles):
            for rng in RANGES:
                switches["line"].append(switch_range(driver, rng))
        driver.click('#chart-types button[data-type="candles"]')
        driver.wait_js("candles chosen", "return document.querySelector('#chart-types button[data-type=candles]')"
                                         ".getAttribute('aria-pressed') === 'true'")
        time.sleep(0.5)
        for rng in RANGES:
            switches["candles"].append(switch_range(driver, rng))
        driver.stop()
    except BaseException:
        for log in sorted(work.glob("*.log")):  # what the programs said, before it is removed
            print(f"--- {log.name} (its end)", *Path(log).read_text(errors="replace").splitlines()[-30:], sep="\n", file=sys.stderr)
        raise
    finally:
        for run in list(reversed(STARTED)):
            run.stop()
        fake.terminate()
        fake.wait()
        shutil.rmtree(work, ignore_errors=True)

    med = {n: statistics.median(v) for n, v in starts.items()}
    print(f"profile {args.profile}; {args.runs} start-ups each; idle after {args.idle} s, CPU over the next {args.idle} s; "
          f"{args.cycles} cycles through the chart's ranges, then one as candles\n")
    print(f"| figure | {BARE} | {BARE_CPU} | {APP} | target (against the {BARE_CPU}) | met |")
    print("| --- | --- | --- | --- | --- | --- |")

    def row(figure, cells, target, met):
        print(f"| {figure} | {' | '.join(cells[n] for n in programs)} | {target} | {'yes' if met else 'NO'} |")

    def ratios(mib):
        return " and ".join(f"{mib / idle[b]['pss_mib']:.2f}×" for b in (BARE, BARE_CPU))

    row("start to painted dashboard, median (all)",
        {n: f"{med[n]:.0f} ms ({', '.join(f'{x:.0f}' for x in starts[n])})" for n in programs},
        "≤ bare CPU painting + 150 ms", med[APP] <= med[BARE_CPU] + 150)
    row(f"idle memory, PSS of {idle[APP]['processes']} processes",
        {n: f"{idle[n]['pss_mib']:.1f} MiB" for n in programs}
        | {APP: f"{idle[APP]['pss_mib']:.1f} MiB ({ratios(idle[APP]['pss_mib'])})"},
        "≤ 1.15 × bare CPU painting", idle[APP]["pss_mib"] <= 1.15 * idle[BARE_CPU]["pss_mib"])
    row("idle CPU (10 s refresh)", {n: f"{idle[n]['cpu_pct']:.2f} %" for n in programs},
        "≤ 0.3 % of a core", idle[APP]["cpu_pct"] <= 0.3)
    row(f"idle memory, a coin's chart open ({first['range']}, {first['points']} points), "
        f"PSS of {chart['processes']} processes",
        {n: f"{idle[n]['pss_mib']:.1f} MiB" for n in programs}
        | {APP: f"{chart['pss_mib']:.1f} MiB ({ratios(chart['pss_mib'])})"},
        "≤ 1.25 × bare CPU painting", chart["pss_mib"] <= 1.25 * idle[BARE_CPU]["pss_mib"])
    row("idle CPU, a coin's chart open (10 s refresh)",
        {n: f"{idle[n]['cpu_pct']:.2f} %" for n in programs} | {APP: f"{chart['cpu_pct']:.2f} %"},
        "≤ 1 % of a core", chart["cpu_pct"] <= 1)
    every = [s for kind in switches.values() for s in kind]
    clicked = [s["click_to_mark_ms"] for s in every]
    marked = [s["paint_ms"] for s in every]
    row(f"range switch to painted chart, median / max ({len(every)} switches; the page's data-paint-ms in brackets)",
        {BARE: "—", BARE_CPU: "—",
         APP: f"{statistics.median(clicked):.0f} / {max(clicked):.0f} ms "
              f"({statistics.median(marked):.0f} / {max(marked):.0f} ms)"},
        "≤ 100 ms, every switch", max(clicked) <= 100)

    print(f"\nThe chart's figures are of the app under WebDriver: with its dashboard shown it measured "
          f"{automated['pss_mib']:.1f} MiB there ({idle[APP]['pss_mib']:.1f} MiB started alone).")
    print("A range switch is timed from the click on the range's button to the page's mark (#chart's "
          "data-range set once the frame is painted), both in the page's clock; data-paint-ms counts from the "
          "start of the history load that painted, which a backfill event of the same switch can restart.")

    print("\nRange switch to painted chart, by range: click to painted chart (the page's data-paint-ms)\n")
    print("| range | points | line, median / max | candles | further paints within 1 s |")
    print("| --- | --- | --- | --- | --- |")
    for rng in RANGES:
        line = [s for s in switches["line"] if s["range"] == rng]
        candles = [s for s in switches["candles"] if s["range"] == rng]
        clicks, ms = [s["click_to_mark_ms"] for s in line], [s["paint_ms"] for s in line]
        points = ", ".join(sorted({str(s["points"]) for s in line + candles}))
        candle_cells = ", ".join(f"{s['click_to_mark_ms']:.0f} ms ({s['paint_ms']:.0f})" for s in candles)
        others = [o for s in line + candles for o in s["other_marks"]]
        print(f"| {rng} | {points} | {statistics.median(clicks):.0f} / {max(clicks):.0f} ms "
              f"({statistics.median(ms):.0f} / {max(ms):.0f}) | {candle_cells} "
              f"| {len(others)} in {len(line + candles)} switches |")
    slow = [(kind, i // len(RANGES) + 1, s) for kind, ks in switches.items() for i, s in enumerate(ks)
            if s["click_to_mark_ms"] > 100]
    for kind, cycle, s in slow:
        print(f"\nover 100 ms: {s['range']} as {kind} (cycle {cycle}), {s['click_to_mark_ms']:.0f} ms "
              f"(data-paint-ms {s['paint_ms']:.0f}), {s['points']} points"
              + "".join(f"; then {r} painted in {p:.0f} ms, {n} points" for r, p, n in s["other_marks"]))
    line_clicks = [s["click_to_mark_ms"] for s in switches["line"]]
    line_ms = [s["paint_ms"] for s in switches["line"]]
    print(f"\nline, all ranges: p50 {statistics.median(line_clicks):.0f} ms, max {max(line_clicks):.0f} ms "
          f"(data-paint-ms: p50 {statistics.median(line_ms):.0f} ms, max {max(line_ms):.0f} ms)")

    print("\nIdle PSS by process (MiB):\n")
    shown = {n: idle[n]["by_process"] for n in programs} | {f"{APP} under WebDriver, dashboard": automated["by_process"],
                                                            f"{APP}, chart open": chart["by_process"]}
    names = sorted({p for b in shown.values() for p in b}, key=lambda p: (p != "app", p))
    print(f"| process | {' | '.join(shown)} |")
    print(f"| --- |{' --- |' * len(shown)}")
    for p in names:
        print(f"| {p} | {' | '.join(f'{b[p]:.1f}' if p in b else '—' for b in shown.values())} |")

    print("\nWhere the app's idle PSS differs from the bare window's painting on the CPU, by process and "
          "mapping (MiB; differences of 0.3 MiB or more, the chart open beside):\n")
    mine, base, charted = idle[APP]["by_mapping"], idle[BARE_CPU]["by_mapping"], chart["by_mapping"]
    keys = sorted(set(mine) | set(base), key=lambda k: -abs(mine.get(k, 0) - base.get(k, 0)))
    print(f"| process | mapping | {BARE_CPU} | {APP} | more | {APP}, chart open |")
    print("| --- | --- | --- | --- | --- | --- |")
    for k in keys:
        more = mine.get(k, 0) - base.get(k, 0)
        if abs(more) >= 0.3:
            print(f"| {k[0]} | {Path(k[1]).name or k[1]} | {base.get(k, 0):.1f} | {mine.get(k, 0):.1f} | {more:+.1f} "
                  f"| {charted.get(k, 0):.1f} |")


if __name__ == "__main__":
    main()
