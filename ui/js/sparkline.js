// A 7-day sparkline as a small inline SVG: no chart library needed for a line.
const NS = "http://www.w3.org/2000/svg";

/**
 * @param {number[]} points
 * @param {number} [width]
 * @param {number} [height]
 */
export function sparkline(points, width = 100, height = 30) {
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(height));
  svg.setAttribute("aria-hidden", "true");
  svg.classList.add("spark");
  if (!points || points.length < 2) return svg;
  const min = Math.min(...points);
  const max = Math.max(...points);
  const span = max - min || 1;
  const step = width / (points.length - 1);
  const d = points
    .map((p, i) => `${(i * step).toFixed(1)},${(height - 2 - ((p - min) / span) * (height - 4)).toFixed(1)}`)
    .join(" ");
  const line = document.createElementNS(NS, "polyline");
  line.setAttribute("points", d);
  line.classList.add(points[points.length - 1] >= points[0] ? "up" : "down");
  svg.appendChild(line);
  return svg;
}
