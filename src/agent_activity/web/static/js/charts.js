// Charts drawn as inline SVG, each with a text summary and a data table for screen readers.
import { el } from "./api.js";
import { number } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";
const compact = new Intl.NumberFormat(undefined, { notation: "compact" });

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function dataTable(caption, headers, rows) {
  return el(
    "details",
    { class: "chart-data" },
    el("summary", {}, "Show data"),
    el(
      "table",
      {},
      el("caption", { class: "visually-hidden" }, caption),
      el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, rows.map((r) => el("tr", {}, r.map((c, i) => (i ? el("td", {}, c) : el("th", { scope: "row" }, c)))))),
    ),
  );
}

// Vertical bars over time; several series stack (e.g. successes under failures).
export function columnChart(host, points, series, { title, labelOf }) {
  const width = 640;
  const height = 180;
  const pad = { left: 44, right: 8, top: 10, bottom: 26 };
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const totals = points.map((p) => series.reduce((sum, s) => sum + (p[s.key] || 0), 0));
  const max = Math.max(1, ...totals);
  const slot = innerW / Math.max(1, points.length);
  const barW = Math.max(1, slot * 0.8);
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    class: "chart",
    "aria-label": `${title}: ${summaryText(points, totals, labelOf)}`,
  });
  for (const fraction of [0, 0.5, 1]) {
    const y = pad.top + innerH * (1 - fraction);
    chart.append(
      svg("line", { x1: pad.left, x2: width - pad.right, y1: y, y2: y, class: "grid" }),
      svg("text", { x: pad.left - 6, y: y + 4, "text-anchor": "end", class: "axis" }, compact.format(Math.round(max * fraction))),
    );
  }
  const labelEvery = Math.ceil(points.length / 8);
  points.forEach((point, i) => {
    let y = pad.top + innerH;
    const x = pad.left + i * slot + (slot - barW) / 2;
    for (const s of series) {
      const value = point[s.key] || 0;
      if (!value) continue;
      const h = (value / max) * innerH;
      y -= h;
      chart.append(
        svg("rect", { x, y, width: barW, height: h, class: `bar ${s.cls}` },
          svg("title", {}, `${labelOf(point)}: ${number(value)} ${s.label}`)),
      );
    }
    if (i % labelEvery === 0) {
      chart.append(svg("text", { x: x + barW / 2, y: height - 8, "text-anchor": "middle", class: "axis" }, labelOf(point)));
    }
  });
  const legend = series.length > 1
    ? el("ul", { class: "legend" }, series.map((s) => el("li", {}, el("span", { class: `swatch ${s.cls}`, "aria-hidden": "true" }), s.label)))
    : null;
  const rows = points.map((p) => [labelOf(p), ...series.map((s) => number(p[s.key] || 0))]);
  host.replaceChildren(chart, legend || "", dataTable(title, ["Time", ...series.map((s) => s.label)], rows));
}

function summaryText(points, totals, labelOf) {
  const total = totals.reduce((a, b) => a + b, 0);
  if (!total) return "no activity in this period";
  const peak = totals.indexOf(Math.max(...totals));
  return `${number(total)} in total, peak ${number(totals[peak])} at ${labelOf(points[peak])}`;
}

// Horizontal bars for a breakdown (by action, by resource type), largest first.
export function barList(host, counts, { title, limit = 8 }) {
  const entries = Object.entries(counts || {}).sort((a, b) => b[1] - a[1]);
  if (!entries.length) {
    host.replaceChildren(el("p", { class: "muted" }, "No activity in this period."));
    return;
  }
  const shown = entries.slice(0, limit);
  const rest = entries.slice(limit).reduce((sum, [, v]) => sum + v, 0);
  if (rest) shown.push(["other", rest]);
  const max = Math.max(...shown.map(([, v]) => v));
  const list = el("ol", { class: "bars", "aria-label": title });
  for (const [name, value] of shown) {
    const bar = el("span", { class: "bar-fill", "aria-hidden": "true" });
    bar.style.width = `${(value / max) * 100}%`;
    list.append(el("li", {}, el("span", { class: "bar-label" }, name), el("span", { class: "bar-track" }, bar), el("span", { class: "bar-value" }, number(value))));
  }
  host.replaceChildren(list);
}

// Success against failure as one proportion bar with both numbers spelled out.
export function outcomeBar(host, successes, failures) {
  const total = successes + failures;
  if (!total) {
    host.replaceChildren(el("p", { class: "muted" }, "No activity in this period."));
    return;
  }
  const ok = el("span", { class: "seg ok", "aria-hidden": "true" });
  ok.style.width = `${(successes / total) * 100}%`;
  const bad = el("span", { class: "seg fail", "aria-hidden": "true" });
  bad.style.width = `${(failures / total) * 100}%`;
  const rate = ((successes / total) * 100).toFixed(1);
  host.replaceChildren(
    el("div", { class: "outcome" }, ok, bad),
    el("p", {}, `${number(successes)} succeeded, ${number(failures)} failed (${rate}% success)`),
  );
}

// Running cost as a line with one marked point per hour that counted anything; each point's
// title and the data table give the hour's own cost and the running total.
export function costLine(host, points, { title, earlier = 0, labelOf, format }) {
  if (!points.length) {
    host.replaceChildren(el("p", { class: "muted" }, "No cost counted yet: no model request or tool call has been attributed to this ticket."));
    return;
  }
  const width = 640;
  const height = 200;
  const pad = { left: 56, right: 12, top: 12, bottom: 26 };
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  let running = earlier;
  const totals = points.map((p) => (running += p.cost_usd));
  const max = Math.max(...totals) || 1;
  const step = points.length > 1 ? innerW / (points.length - 1) : 0;
  const xy = totals.map((total, i) => [pad.left + (points.length > 1 ? i * step : innerW / 2), pad.top + innerH * (1 - total / max)]);
  const last = totals[totals.length - 1];
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    class: "chart cost-chart",
    "aria-label": `${title}: ${format(last)} in total over ${points.length} hour${points.length === 1 ? "" : "s"} with usage, from ${labelOf(points[0])} to ${labelOf(points[points.length - 1])}`,
  });
  for (const fraction of [0, 0.5, 1]) {
    const y = pad.top + innerH * (1 - fraction);
    chart.append(
      svg("line", { x1: pad.left, x2: width - pad.right, y1: y, y2: y, class: "grid" }),
      svg("text", { x: pad.left - 6, y: y + 4, "text-anchor": "end", class: "axis" }, format(max * fraction)),
    );
  }
  chart.append(svg("polyline", { points: xy.map(([x, y]) => `${x},${y}`).join(" "), class: "cost-line", fill: "none" }));
  const labelEvery = Math.ceil(points.length / 6);
  points.forEach((point, i) => {
    const [x, y] = xy[i];
    chart.append(svg("circle", { cx: x, cy: y, r: 4, class: "point" },
      svg("title", {}, `${labelOf(point)}: ${format(point.cost_usd)} (running total ${format(totals[i])})`)));
    if (i % labelEvery === 0) {
      // The edge labels lean inwards, so neither is cut off at the chart's sides.
      const anchor = points.length === 1 ? "middle" : i === 0 ? "start" : i === points.length - 1 ? "end" : "middle";
      chart.append(svg("text", { x, y: height - 8, "text-anchor": anchor, class: "axis" }, labelOf(point)));
    }
  });
  const rows = points.map((p, i) => [labelOf(p), format(p.cost_usd), format(totals[i]), number(p.tokens), number(p.model_requests)]);
  host.replaceChildren(chart, dataTable(title, ["Hour", "Cost", "Running total", "Tokens", "Model requests"], rows));
}
