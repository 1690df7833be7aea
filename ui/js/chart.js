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
 * The look both charts share: the page's colours and font, local time.
 * @param {Lib} lib
 * @returns {import("lightweight-charts").DeepPartial<import("lightweight-charts").ChartOptions>}
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
    // The prices go to the series shown (`price`), the one of `type`.
    if (type === "candles") candles.setData(rows.map((c) => ({ time: time(c), open: Number(c.open), high: Number(c.high), low: Number(c.low), close: Number(c.close) })));
    else area.setData(rows.map((c) => ({ time: time(c), value: Number(c.close) })));
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
    const chart = lib.createChart(this.el, options(lib));
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
  }

  /** @param {Ipc.ValueHistory} history */
  async draw(history) {
    const lib = await library();
    this.currency = history.currency;
    if (!this.chart || !this.area) {
      const chart = lib.createChart(this.el, options(lib));
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
    this.area.setData(points);
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
  }

  /**
   * @param {Ipc.Comparison} cmp
   */
  async draw(cmp) {
    const lib = await library();
    const chart = (this.chart ??= lib.createChart(this.el, options(lib)));
    for (const s of this.series) chart.removeSeries(s);
    this.series = cmp.series.map((s, i) => {
      const series = chart.addSeries(lib.LineSeries, { color: SERIES_COLOURS[i % SERIES_COLOURS.length], lineWidth: 2, title: s.coin.symbol.toUpperCase(), priceFormat: { type: "custom", formatter: (/** @type {number} */ p) => fmt.percent(p) } });
      series.setData(s.points.map((p) => ({ time: axisTime(p.t), value: p.pct })));
      return series;
    });
    if (this.series[0]) this.series[0].createPriceLine({ price: 0, color: cssVar("--muted"), lineWidth: 1, lineStyle: lib.LineStyle.Dotted, axisLabelVisible: false });
    chart.timeScale().fitContent();
    await painted();
  }
}
