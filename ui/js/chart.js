// The price chart: TradingView's lightweight-charts (ARCHITECTURE.md says
// why), loaded the first time a chart is shown, so the dashboard never pays
// for it. Prices arrive as exact decimal strings; they become numbers only
// to be drawn.
import * as fmt from "./format.js";

/** @typedef {typeof import("lightweight-charts")} Lib */
/** @type {Promise<Lib> | null} */
let loading = null;

/** @returns {Promise<Lib>} */
function library() {
  // A path the tsc check cannot follow: the file is copied from
  // node_modules at build time (src-tauri/build.rs).
  const path = "../vendor/lightweight-charts.mjs";
  loading ??= /** @type {Promise<Lib>} */ (import(path));
  return loading;
}

/** @param {string} name */
const cssVar = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/** Local time for the crosshair and the axis: "Nov 24, 14:05" / "Nov 24". */
const timeLabel = (() => {
  const long = new Intl.DateTimeFormat(fmt.locale, { dateStyle: "medium", timeStyle: "short" });
  return (/** @type {number} */ secs) => long.format(new Date(secs * 1000));
})();

/**
 * The look both charts share: the page's colours and font, local time.
 * @param {Lib} lib
 */
function options(lib) {
  const line = cssVar("--line");
  return {
    autoSize: true,
    layout: {
      background: { color: "transparent" },
      textColor: cssVar("--muted"),
      fontFamily: cssVar("--font") || "sans-serif",
      attributionLogo: true,
      panes: { separatorColor: line },
    },
    grid: { vertLines: { color: line }, horzLines: { color: line } },
    rightPriceScale: { borderColor: line },
    timeScale: { borderColor: line, timeVisible: true, secondsVisible: false },
    crosshair: { mode: lib.CrosshairMode.Normal },
    localization: { locale: fmt.locale, timeFormatter: (/** @type {number} */ t) => timeLabel(t) },
  };
}

/**
 * @typedef {{rule_id: number, level: string, label: string}} Level an alert's price level, drawn as a line
 * @typedef {"line" | "candles"} ChartType
 */

export class PriceChart {
  /** @param {HTMLElement} el where the chart goes; a legend is drawn above it */
  constructor(el, legend) {
    this.el = el;
    /** @type {HTMLElement} */
    this.legend = legend;
    /** @type {any} */
    this.chart = null;
    /** @type {any} the series shown: `area` or `candles` */
    this.price = null;
    /** @type {any} */
    this.area = null;
    /** @type {any} */
    this.candles = null;
    /** @type {any} */
    this.volume = null;
    /** @type {ChartType | null} */
    this.type = null;
    /** @type {any[]} */
    this.lines = [];
    this.currency = "usd";
  }

  /**
   * Draws `history` and the alert `levels`; resolves once the frame that
   * shows it has been painted.
   * @param {Ipc.History} history
   * @param {{type: ChartType, levels: Level[]}} opts
   */
  async draw(history, { type, levels }) {
    const lib = await library();
    this.currency = history.currency;
    if (!this.chart) this.create(lib);
    if (this.type !== type) {
      // Both series stay on the price pane (removing its only series would
      // drop the pane, and the volume pane would take its place): the
      // other one is emptied and hidden.
      const [shown, hidden] = type === "candles" ? [this.candles, this.area] : [this.area, this.candles];
      hidden.setData([]);
      hidden.applyOptions({ visible: false });
      shown.applyOptions({ visible: true });
      for (const line of this.lines) this.price.removePriceLine(line);
      this.lines = [];
      this.price = shown;
      this.type = type;
    }
    const rows = history.candles;
    const time = (/** @type {Ipc.Candle} */ c) => /** @type {any} */ (Math.floor(c.t / 1000));
    this.price.setData(
      type === "candles"
        ? rows.map((c) => ({ time: time(c), open: Number(c.open), high: Number(c.high), low: Number(c.low), close: Number(c.close) }))
        : rows.map((c) => ({ time: time(c), value: Number(c.close) })),
    );
    const upBar = cssVar("--up-bg");
    const downBar = cssVar("--down-bg");
    this.volume.setData(
      rows
        .filter((c) => c.volume !== null)
        .map((c) => ({ time: time(c), value: Number(c.volume), color: Number(c.close) >= Number(c.open) ? upBar : downBar })),
    );
    for (const line of this.lines) this.price.removePriceLine(line);
    this.lines = levels.map((l) =>
      this.price.createPriceLine({
        price: Number(l.level),
        color: cssVar("--warn-line"),
        lineWidth: 1,
        lineStyle: lib.LineStyle.Dashed,
        axisLabelVisible: true,
        title: l.label,
      }),
    );
    this.chart.timeScale().fitContent();
    this.showLegend(rows[rows.length - 1] ?? null);
    await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  }

  /** @param {Lib} lib */
  create(lib) {
    this.chart = lib.createChart(this.el, options(lib));
    const priceFormat = { type: "custom", formatter: (/** @type {number} */ p) => fmt.price(p, this.currency) };
    this.area = this.chart.addSeries(lib.AreaSeries, {
      lineColor: cssVar("--accent"),
      topColor: cssVar("--chart-fill-top"),
      bottomColor: "rgba(0,0,0,0)",
      lineWidth: 2,
      priceFormat,
    });
    this.candles = this.chart.addSeries(lib.CandlestickSeries, {
      upColor: cssVar("--up"),
      downColor: cssVar("--down"),
      borderVisible: false,
      wickUpColor: cssVar("--up"),
      wickDownColor: cssVar("--down"),
      priceFormat,
      visible: false,
    });
    this.volume = this.chart.addSeries(
      lib.HistogramSeries,
      { priceFormat: { type: "custom", formatter: (/** @type {number} */ v) => fmt.compact(v, this.currency) }, lastValueVisible: false, priceLineVisible: false },
      1,
    );
    const panes = this.chart.panes();
    if (panes[1]) panes[1].setHeight(70);
    this.chart.subscribeCrosshairMove((/** @type {any} */ param) => {
      const d = param.time !== undefined && this.price ? param.seriesData.get(this.price) : null;
      const v = param.time !== undefined ? param.seriesData.get(this.volume) : null;
      this.showLegend(d ? { t: Number(param.time) * 1000, ...d, volume: v?.value ?? null } : null);
    });
  }

  /**
   * The values under the crosshair, or the last candle's.
   * @param {any} c a candle (strings) or a crosshair point (numbers)
   */
  showLegend(c) {
    if (!c) {
      this.legend.textContent = "";
      return;
    }
    const cur = this.currency;
    const t = timeLabel(Math.floor(c.t / 1000));
    const parts =
      this.type === "candles" && c.open !== undefined
        ? [`O ${fmt.price(c.open, cur)}`, `H ${fmt.price(c.high, cur)}`, `L ${fmt.price(c.low, cur)}`, `C ${fmt.price(c.close, cur)}`]
        : [fmt.price(c.value ?? c.close, cur)];
    if (c.volume !== null && c.volume !== undefined) parts.push(`Vol 24h ${fmt.compact(c.volume, cur)}`);
    this.legend.textContent = `${t}  ·  ${parts.join("  ")}`;
  }
}

/** A portfolio's value over time: one area, its legend the value under the crosshair. */
export class ValueChart {
  /**
   * @param {HTMLElement} el
   * @param {HTMLElement} legend
   */
  constructor(el, legend) {
    this.el = el;
    this.legend = legend;
    /** @type {any} */
    this.chart = null;
    /** @type {any} */
    this.area = null;
    this.currency = "usd";
  }

  /** @param {Ipc.ValueHistory} history */
  async draw(history) {
    const lib = await library();
    this.currency = history.currency;
    if (!this.chart) {
      this.chart = lib.createChart(this.el, options(lib));
      this.area = this.chart.addSeries(lib.AreaSeries, {
        lineColor: cssVar("--accent"),
        topColor: cssVar("--chart-fill-top"),
        bottomColor: "rgba(0,0,0,0)",
        lineWidth: 2,
        priceFormat: { type: "custom", formatter: (/** @type {number} */ p) => fmt.price(p, this.currency) },
      });
      this.chart.subscribeCrosshairMove((/** @type {any} */ param) => {
        const d = param.time !== undefined ? param.seriesData.get(this.area) : null;
        this.showLegend(d ? Number(param.time) : null, d?.value ?? null);
      });
    }
    const points = history.points.map((p) => ({ time: /** @type {any} */ (Math.floor(p.t / 1000)), value: Number(p.value) }));
    this.area.setData(points);
    this.chart.timeScale().fitContent();
    this.last = points[points.length - 1] ?? null;
    this.showLegend(null, null);
    await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  }

  /**
   * @param {number | null} secs
   * @param {number | null} value
   */
  showLegend(secs, value) {
    const at = secs === null ? this.last : { time: secs, value };
    this.legend.textContent = at ? `${timeLabel(at.time)}  ·  ${fmt.price(at.value, this.currency)}` : "";
  }
}

/** Colours of the compared coins, in order; distinct in light and dark. */
export const SERIES_COLOURS = ["#2563eb", "#f59e0b", "#10b981", "#db2777", "#8b5cf6"];

/** Up to five coins on one chart, as % from the range's start. */
export class CompareChart {
  /** @param {HTMLElement} el */
  constructor(el) {
    this.el = el;
    /** @type {any} */
    this.chart = null;
    /** @type {any[]} */
    this.series = [];
  }

  /**
   * @param {Ipc.Comparison} cmp
   */
  async draw(cmp) {
    const lib = await library();
    this.chart ??= lib.createChart(this.el, options(lib));
    for (const s of this.series) this.chart.removeSeries(s);
    this.series = cmp.series.map((s, i) => {
      const series = this.chart.addSeries(lib.LineSeries, { color: SERIES_COLOURS[i % SERIES_COLOURS.length], lineWidth: 2, title: s.coin.symbol.toUpperCase(), priceFormat: { type: "custom", formatter: (/** @type {number} */ p) => fmt.percent(p) } });
      series.setData(s.points.map((p) => ({ time: /** @type {any} */ (Math.floor(p.t / 1000)), value: p.pct })));
      return series;
    });
    if (this.series[0]) this.series[0].createPriceLine({ price: 0, color: cssVar("--muted"), lineWidth: 1, lineStyle: lib.LineStyle.Dotted, axisLabelVisible: false });
    this.chart.timeScale().fitContent();
    await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  }
}
