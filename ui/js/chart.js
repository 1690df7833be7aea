// The price chart: TradingView's lightweight-charts (ARCHITECTURE.md says
// why), loaded the first time a chart is shown, so the dashboard never pays
// for it. Prices arrive as exact decimal strings; they become numbers only
// to be drawn.
import * as fmt from "./format.js";
import { painted } from "./dom.js";

/**
 * The library's types (node_modules/lightweight-charts, the file copied to ui/vendor/).
 * @typedef {typeof import("lightweight-charts")} Lib
 * @typedef {import("lightweight-charts").IChartApi} IChartApi
 * @typedef {import("lightweight-charts").IPriceLine} IPriceLine
 * @typedef {import("lightweight-charts").PriceFormatCustom} PriceFormatCustom
 */
/**
 * @template {import("lightweight-charts").SeriesType} T
 * @typedef {import("lightweight-charts").ISeriesApi<T>} ISeriesApi
 */
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

/**
 * A time on the charts' axis: unix seconds, which the library's type marks.
 * @param {number} ms unix ms
 */
const axisTime = (ms) => /** @type {import("lightweight-charts").UTCTimestamp} */ (Math.floor(ms / 1000));

/** A colour that draws nothing: the segment after a point before a gap. */
const NONE = "rgba(0,0,0,0)";

/**
 * A series' points laid on its equal buckets (`step` seconds wide, which
 * the engine cut: History.step_secs) as the chart takes them. The chart
 * spaces its points evenly, by index, not by time, so every bucket
 * without a point gets a whitespace item and keeps its width; and the
 * point before such a gap takes `gap` (colours that draw nothing), since
 * the chart draws a segment in the colours of the point it starts from
 * and would otherwise bridge the gap. `span` widens the timeline to the
 * first and last times of other series on the same chart.
 * @template {{time: import("lightweight-charts").UTCTimestamp}} P
 * @param {P[]} points ascending, each at a bucket's start
 * @param {number} step seconds
 * @param {{lineColor?: string, topColor?: string, bottomColor?: string, color?: string}} gap the series' colours per point
 * @param {{first: number, last: number} | null} [span]
 * @returns {(P | {time: import("lightweight-charts").UTCTimestamp})[]}
 */
function onTimeline(points, step, gap, span = null) {
  const head = points[0];
  const tail = points[points.length - 1];
  if (!head || !tail || !(step > 0)) return points;
  const first = Math.min(span?.first ?? head.time, head.time);
  const last = Math.max(span?.last ?? tail.time, tail.time);
  // The engine answers at most 2,000 buckets; anything else is not a
  // timeline of them, and is drawn as it is.
  if ((last - first) / step > 10_000) return points;
  /** @type {(P | {time: import("lightweight-charts").UTCTimestamp})[]} */
  const out = [];
  /** @type {boolean[]} whether `out[k]` is a point, not whitespace */
  const isPoint = [];
  /** @param {P | {time: import("lightweight-charts").UTCTimestamp}} item @param {boolean} p */
  const add = (item, p) => {
    out.push(item);
    isPoint.push(p);
  };
  let i = 0;
  for (let t = first; t <= last; t += step) {
    while (i < points.length && points[i].time < t) add(points[i++], true);
    if (i < points.length && points[i].time === t) add(points[i++], true);
    else add({ time: axisTime(t * 1000) }, false);
  }
  while (i < points.length) add(points[i++], true);
  // A point followed by whitespace and, later, another point: the segment
  // it starts crosses a gap.
  let later = false;
  for (let k = out.length - 1; k >= 0; k--) {
    if (!isPoint[k]) continue;
    if (later && !isPoint[k + 1]) out[k] = Object.assign({}, out[k], gap);
    later = true;
  }
  return out;
}

/**
 * The value of a point under the crosshair (a line's, an area's, a volume
 * bar's), or null.
 * @param {unknown} d what the crosshair's `seriesData` holds for a series
 * @returns {number | null}
 */
const pointValue = (d) => (d && typeof d === "object" && "value" in d && typeof d.value === "number" ? d.value : null);

/** Local time for the crosshair and the axis: "Nov 24, 14:05" / "Nov 24". */
const timeLabel = (() => {
  const long = new Intl.DateTimeFormat(fmt.locale, { dateStyle: "medium", timeStyle: "short" });
  return (/** @type {number} */ secs) => long.format(new Date(secs * 1000));
})();

/**
 * A day's tick on the time axis, with its month ("Dec 3"): the chart
 * leaves out a month's label too close to the one before (a 30-day month
 * at under 2.7 px a day) and labels a later day instead, which bare reads
 * as a day of the month before ("Nov, 3"). Tick times are UTC dates, as
 * the chart's other tick labels.
 */
const dayTick = (() => {
  const day = new Intl.DateTimeFormat(fmt.locale, { month: "short", day: "numeric", timeZone: "UTC" });
  return (/** @type {number} */ secs) => day.format(new Date(secs * 1000));
})();

/**
 * The look both charts share: the page's colours and font, local time.
 * @param {Lib} lib
 * @param {() => number} span how long the series drawn last, seconds
 * @returns {import("lightweight-charts").DeepPartial<import("lightweight-charts").ChartOptions>}
 */
function options(lib, span) {
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
    timeScale: {
      borderColor: line,
      timeVisible: true,
      secondsVisible: false,
      tickMarkFormatter: (/** @type {import("lightweight-charts").Time} */ t, /** @type {import("lightweight-charts").TickMarkType} */ type) => {
        if (type === lib.TickMarkType.DayOfMonth) return dayTick(Number(t));
        // Over more than a week an hour's tick only falls where no day's
        // fits, between labels that do not say its day ("Oct 17, 12:00,
        // Nov"): its grid line stays, unlabelled.
        if (type === lib.TickMarkType.Time && span() > 7 * 86_400) return "";
        return null;
      },
    },
    crosshair: { mode: lib.CrosshairMode.Normal },
    // The charts' times are all unix seconds (axisTime).
    localization: { locale: fmt.locale, timeFormatter: (/** @type {import("lightweight-charts").Time} */ t) => timeLabel(Number(t)) },
  };
}

/**
 * @typedef {{rule_id: number, level: string, label: string}} Level an alert's price level, drawn as a line
 * @typedef {"line" | "candles"} ChartType
 * @typedef {{chart: IChartApi, area: ISeriesApi<"Area">, candles: ISeriesApi<"Candlestick">, volume: ISeriesApi<"Histogram">}} PriceParts
 */

/**
 * What the legend shows: a stored candle (decimal strings) or the point
 * under the crosshair (numbers: `value` on the line, OHLC on candles).
 * @typedef {{t: number, open?: string | number, high?: string | number, low?: string | number, close?: string | number,
 *   value?: number, volume?: string | number | null}} LegendPoint
 */

export class PriceChart {
  /**
   * @param {HTMLElement} el where the chart goes
   * @param {HTMLElement} legend drawn above it
   */
  constructor(el, legend) {
    this.el = el;
    this.legend = legend;
    /** @type {PriceParts | null} the chart and its series, made at the first draw */
    this.parts = null;
    /** @type {ISeriesApi<"Area"> | ISeriesApi<"Candlestick"> | null} the series shown: `area` or `candles` */
    this.price = null;
    /** @type {ChartType | null} */
    this.type = null;
    /** @type {IPriceLine[]} */
    this.lines = [];
    this.currency = "usd";
    /** how long the history drawn lasts, seconds */
    this.span = 0;
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
    this.span = (history.to - history.from) / 1000;
    const { chart, area, candles, volume } = (this.parts ??= this.create(lib));
    if (this.type !== type || !this.price) {
      // Both series stay on the price pane (removing its only series would
      // drop the pane, and the volume pane would take its place): the
      // other one is emptied and hidden.
      const [shown, hidden] = type === "candles" ? [candles, area] : [area, candles];
      hidden.setData([]);
      hidden.applyOptions({ visible: false });
      shown.applyOptions({ visible: true });
      for (const line of this.lines) this.price?.removePriceLine(line);
      this.lines = [];
      this.price = shown;
      this.type = type;
    }
    const price = this.price;
    const rows = history.candles;
    const time = (/** @type {Ipc.Candle} */ c) => axisTime(c.t);
    const step = history.step_secs;
    // The prices go to the series shown (`price`), the one of `type`, on
    // the buckets' timeline: a bucket without a price keeps its width.
    if (type === "candles") candles.setData(onTimeline(rows.map((c) => ({ time: time(c), open: Number(c.open), high: Number(c.high), low: Number(c.low), close: Number(c.close) })), step, {}));
    else area.setData(onTimeline(rows.map((c) => ({ time: time(c), value: Number(c.close) })), step, { lineColor: NONE, topColor: NONE, bottomColor: NONE }));
    const upBar = cssVar("--up-bg");
    const downBar = cssVar("--down-bg");
    volume.setData(
      rows
        .filter((c) => c.volume !== null)
        .map((c) => ({ time: time(c), value: Number(c.volume), color: Number(c.close) >= Number(c.open) ? upBar : downBar })),
    );
    for (const line of this.lines) price.removePriceLine(line);
    this.lines = levels.map((l) =>
      price.createPriceLine({
        price: Number(l.level),
        color: cssVar("--warn-line"),
        lineWidth: 1,
        lineStyle: lib.LineStyle.Dashed,
        axisLabelVisible: true,
        title: l.label,
      }),
    );
    chart.timeScale().fitContent();
    this.showLegend(rows[rows.length - 1] ?? null);
    await painted();
  }

  /**
   * @param {Lib} lib
   * @returns {PriceParts}
   */
  create(lib) {
    const chart = lib.createChart(this.el, options(lib, () => this.span));
    /** @type {Omit<PriceFormatCustom, "minMove">} */
    const priceFormat = { type: "custom", formatter: (p) => fmt.price(p, this.currency) };
    const area = chart.addSeries(lib.AreaSeries, {
      lineColor: cssVar("--accent"),
      topColor: cssVar("--chart-fill-top"),
      bottomColor: "rgba(0,0,0,0)",
      lineWidth: 2,
      priceFormat,
    });
    const candles = chart.addSeries(lib.CandlestickSeries, {
      upColor: cssVar("--up"),
      downColor: cssVar("--down"),
      borderVisible: false,
      wickUpColor: cssVar("--up"),
      wickDownColor: cssVar("--down"),
      priceFormat,
      visible: false,
    });
    const volume = chart.addSeries(
      lib.HistogramSeries,
      { priceFormat: { type: "custom", formatter: (/** @type {number} */ v) => fmt.compact(v, this.currency) }, lastValueVisible: false, priceLineVisible: false },
      1,
    );
    const panes = chart.panes();
    if (panes[1]) panes[1].setHeight(70);
    chart.subscribeCrosshairMove((param) => {
      const d = param.time !== undefined && this.price ? param.seriesData.get(this.price) : null;
      const v = param.time !== undefined ? param.seriesData.get(volume) : null;
      this.showLegend(d ? { t: Number(param.time) * 1000, ...d, volume: pointValue(v) } : null);
    });
    return { chart, area, candles, volume };
  }

  /**
   * The values under the crosshair, or the last candle's.
   * @param {LegendPoint | null} c
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
    /** @type {IChartApi | null} */
    this.chart = null;
    /** @type {ISeriesApi<"Area"> | null} */
    this.area = null;
    /** @type {{time: number, value: number} | null} the last point, in the legend while the crosshair is away */
    this.last = null;
    this.currency = "usd";
    /** how long the history drawn lasts, seconds */
    this.span = 0;
  }

  /** @param {Ipc.ValueHistory} history */
  async draw(history) {
    const lib = await library();
    this.currency = history.currency;
    const ts = history.points.map((p) => p.t);
    this.span = ts.length ? (Math.max(...ts) - Math.min(...ts)) / 1000 : 0;
    if (!this.chart || !this.area) {
      const chart = lib.createChart(this.el, options(lib, () => this.span));
      const area = chart.addSeries(lib.AreaSeries, {
        lineColor: cssVar("--accent"),
        topColor: cssVar("--chart-fill-top"),
        bottomColor: "rgba(0,0,0,0)",
        lineWidth: 2,
        priceFormat: { type: "custom", formatter: (/** @type {number} */ p) => fmt.price(p, this.currency) },
      });
      chart.subscribeCrosshairMove((param) => {
        const d = param.time !== undefined ? param.seriesData.get(area) : null;
        this.showLegend(d ? Number(param.time) : null, pointValue(d));
      });
      this.chart = chart;
      this.area = area;
    }
    const points = history.points.map((p) => ({ time: axisTime(p.t), value: Number(p.value) }));
    this.area.setData(onTimeline(points, history.step_secs, { lineColor: NONE, topColor: NONE, bottomColor: NONE }));
    this.chart.timeScale().fitContent();
    this.last = points[points.length - 1] ?? null;
    this.showLegend(null, null);
    await painted();
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
    /** @type {IChartApi | null} */
    this.chart = null;
    /** @type {ISeriesApi<"Line">[]} */
    this.series = [];
    /** how long the comparison drawn lasts, seconds */
    this.span = 0;
  }

  /**
   * @param {Ipc.Comparison} cmp
   */
  async draw(cmp) {
    const lib = await library();
    this.span = (cmp.to - cmp.from) / 1000;
    const chart = (this.chart ??= lib.createChart(this.el, options(lib, () => this.span)));
    for (const s of this.series) chart.removeSeries(s);
    // One timeline for all: every series' buckets from the first point of
    // any to the last, so a span no coin has stays as wide as it lasted.
    const times = cmp.series.flatMap((s) => s.points.map((p) => axisTime(p.t)));
    const span = times.length ? { first: Math.min(...times), last: Math.max(...times) } : null;
    this.series = cmp.series.map((s, i) => {
      const series = chart.addSeries(lib.LineSeries, { color: SERIES_COLOURS[i % SERIES_COLOURS.length], lineWidth: 2, title: s.coin.symbol.toUpperCase(), priceFormat: { type: "custom", formatter: (/** @type {number} */ p) => fmt.percent(p) } });
      series.setData(onTimeline(s.points.map((p) => ({ time: axisTime(p.t), value: p.pct })), cmp.step_secs, { color: NONE }, span));
      return series;
    });
    if (this.series[0]) this.series[0].createPriceLine({ price: 0, color: cssVar("--muted"), lineWidth: 1, lineStyle: lib.LineStyle.Dotted, axisLabelVisible: false });
    chart.timeScale().fitContent();
    await painted();
  }
}
