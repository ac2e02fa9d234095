// A ticket's page: what it cost (totals, by agent, person and model, cost over time) and its
// story oldest first (intervals, checkpoints, tool calls, model requests), paged by cursor and
// kept up to date by the server's event stream for this ticket.
import { api, el, loadMe, showError, signInAgain } from "./api.js";
import { costLine } from "./charts.js";
import { dateTime, duration, nameOf, number, shortId, shortTime, usd } from "./format.js";

const $ = (id) => document.getElementById(id);
const root = $("ticket-page");
const PAGE = 50;
// A live refresh reads at most this many pages after the last entry shown.
const TAIL_PAGES = 5;
const state = {
  me: null,
  project: root.dataset.project,
  ref: root.dataset.ticket,
  entries: new Map(),
  cursor: null,
  hasMore: true,
  loading: false,
  agents: new Map(),
  pending: null,
  source: null,
  again: false,
};

const base = () => `projects/${state.project}/tickets/${encodeURIComponent(state.ref)}`;

async function start() {
  state.me = await loadMe();
  $("timeline-more").addEventListener("click", () => loadPage());
  await Promise.all([loadUsage(), loadPage()]);
  connect();
}

function connect() {
  if (state.source) state.source.close();
  const live = $("live");
  const source = new EventSource(`/ui/api/${base()}/events`);
  state.source = source;
  source.addEventListener("change", (event) => {
    const data = JSON.parse(event.data);
    live.textContent = "Live";
    live.dataset.state = "live";
    // A stream starts with "first": what changed since the page (or the last stream) read it
    // is read then, without claiming that anything new arrived.
    scheduleRefresh(data.first);
  });
  source.addEventListener("signed-out", () => signInAgain());
  source.addEventListener("error", () => {
    live.textContent = "Reconnecting…";
    live.dataset.state = "connecting";
  });
}

// Changes can come every second; at most one refresh runs, and one more is queued behind it.
function scheduleRefresh(quiet = false) {
  if (state.pending) {
    state.again = true;
    return;
  }
  state.pending = Promise.all([loadUsage(), loadTail(quiet)]).finally(() => {
    state.pending = null;
    if (state.again) {
      state.again = false;
      scheduleRefresh();
    }
  });
}

async function loadUsage() {
  try {
    const [usage, series] = await Promise.all([api(`${base()}/usage`), api(`${base()}/cost-series`)]);
    for (const part of usage.by_agent) state.agents.set(part.key, part.name);
    renderHead(usage);
    renderBreakdowns(usage);
    costLine($("cost-chart"), series.points, {
      title: "Cost over time",
      earlier: series.earlier_cost_usd,
      labelOf: (p) => shortTime(p.start, series.points.length > 24),
      format: usd,
    });
    showError($("ticket-error"), null);
  } catch (error) {
    showError($("ticket-error"), error);
  }
}

async function loadPage() {
  if (state.loading || !state.hasMore) return;
  state.loading = true;
  $("timeline-more").disabled = true;
  try {
    const params = { limit: PAGE };
    if (state.cursor) params.cursor = state.cursor;
    const page = await api(`${base()}/timeline`, { params });
    addEntries(page.data, false);
    state.cursor = page.next_cursor;
    state.hasMore = Boolean(page.has_more && page.next_cursor);
    if (!state.hasMore) $("timeline-newer").hidden = true;
    renderTimeline();
  } catch (error) {
    showError($("ticket-error"), error);
  } finally {
    state.loading = false;
    $("timeline-more").disabled = false;
    $("timeline-more").hidden = !state.hasMore;
  }
}

// New entries are read from the last one shown on (or from the oldest interval still open,
// whose end may just have been written), and replace what was shown under the same id.
async function loadTail(quiet) {
  if (state.hasMore) {
    if (!quiet) $("timeline-newer").hidden = false;
    return;
  }
  const shown = sorted();
  const open = shown.filter((e) => e.kind === "interval" && !e.ended_at).map((e) => e.at);
  const last = shown.length ? shown[shown.length - 1].at : null;
  const since = [last, ...open].filter(Boolean).sort((a, b) => Date.parse(a) - Date.parse(b))[0];
  let cursor = null;
  try {
    for (let i = 0; i < TAIL_PAGES; i += 1) {
      const params = { limit: 200, since, cursor };
      const page = await api(`${base()}/timeline`, { params });
      addEntries(page.data, true);
      if (!page.has_more || !page.next_cursor) break;
      cursor = page.next_cursor;
    }
    renderTimeline();
  } catch (error) {
    showError($("ticket-error"), error);
  }
}

function addEntries(entries, live) {
  for (const entry of entries) {
    const known = state.entries.has(entry.id);
    state.entries.set(entry.id, { ...entry, fresh: live && !known });
    if (entry.agent && entry.session_id) state.agents.set(entry.session_id, entry.agent.name);
  }
}

function sorted() {
  return [...state.entries.values()].sort(
    (a, b) => Date.parse(a.at) - Date.parse(b.at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

function renderHead(usage) {
  const title = `#${usage.ticket_number} ${usage.title}`;
  $("ticket-title").textContent = title;
  document.title = `${title} · Agent Activity`;
  $("ticket-column").textContent = usage.column.replace(/_/g, " ");
  const failed = usage.failed_tool_calls ? ` (${number(usage.failed_tool_calls)} failed)` : "";
  const items = [
    ["Agent time", duration(usage.agent_time_s)],
    ["Work intervals", number(usage.intervals)],
    ["Tool calls", `${number(usage.tool_calls)}${failed}`],
    ["Model requests", number(usage.model_requests)],
    ["Tokens", number(usage.tokens.total)],
    ["Cost", usd(usage.cost_usd)],
  ];
  $("ticket-totals").replaceChildren(...items.map(([k, v]) => el("div", {}, el("dt", {}, k), el("dd", {}, v))));
}

function renderBreakdowns(usage) {
  const person = (part) => (part.name && part.name !== part.key ? part.name : nameOf(state.me, part.key));
  const agent = (part) => (part.name && part.name !== part.key ? part.name : shortId(part.key));
  breakdown($("by-agent"), "By agent", usage.by_agent, agent, "No agent has worked on this ticket yet.");
  breakdown($("by-user"), "By person", usage.by_user, person, "Nobody's work is counted on this ticket yet.");
  breakdown($("by-model"), "By model", usage.by_model, (p) => p.name || p.key, "No model request is attributed to this ticket yet.");
}

function breakdown(host, title, parts, nameOfPart, empty) {
  const heading = el("h3", {}, title);
  if (!parts.length) {
    host.replaceChildren(heading, el("p", { class: "muted" }, empty));
    return;
  }
  const headers = ["Name", "Time", "Tool calls", "Model requests", "Tokens", "Cost"];
  const rows = parts.map((p) =>
    el("tr", {},
      el("th", { scope: "row" }, nameOfPart(p)),
      el("td", {}, duration(p.agent_time_s)),
      el("td", {}, number(p.tool_calls), p.failed_tool_calls ? ` (${number(p.failed_tool_calls)} failed)` : ""),
      el("td", {}, number(p.model_requests)),
      el("td", {}, number(p.tokens.total)),
      el("td", { class: "cost" }, usd(p.cost_usd))),
  );
  host.replaceChildren(
    heading,
    el("table", { class: "breakdown-table" },
      el("caption", { class: "visually-hidden" }, title),
      el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, rows)),
  );
}

function renderTimeline() {
  const entries = sorted();
  $("timeline").replaceChildren(...entries.map(timelineItem));
  $("timeline-empty").hidden = entries.length > 0 || state.hasMore;
  $("timeline-count").textContent = entries.length ? `(${number(entries.length)}${state.hasMore ? "+" : ""})` : "";
}

function timelineItem(entry) {
  const item = { interval: intervalItem, checkpoint: checkpointItem, activity: activityItem }[entry.kind](entry);
  item.classList.add("entry", entry.kind);
  item.dataset.kind = entry.kind;
  if (entry.fresh) item.classList.add("fresh");
  item.prepend(el("time", { datetime: entry.at, class: "when muted small" }, dateTime(entry.at)));
  return item;
}

function intervalItem(e) {
  const who = e.user && (e.user.name || (e.user.id && nameOf(state.me, e.user.id)));
  const span = e.ended_at
    ? `worked ${duration(e.duration_s)}, until ${dateTime(e.ended_at)}`
    : "started working (still working)";
  return el("li", {},
    el("span", { class: "badge work" }, "work"),
    el("span", { class: "what" }, el("strong", { class: "agent" }, e.agent ? e.agent.name : "agent"), ` ${span}`),
    who ? el("span", { class: "who muted small" }, `for ${who}`) : null);
}

function checkpointItem(e) {
  const pct = Math.max(0, Math.min(100, Number(e.progress_pct)));
  const id = `cp-${e.id}`;
  return el("li", {},
    el("span", { class: "badge checkpoint" }, "checkpoint"),
    el("span", { class: "what" },
      el("label", { for: id }, `${e.status} · ${Math.round(pct)}%`),
      el("progress", { id, max: "100", value: String(pct) }, `${Math.round(pct)}%`),
      e.details ? el("span", { class: "details" }, e.details) : null),
    el("span", { class: "who muted small" }, e.agent ? e.agent.name : "no session"));
}

function activityItem(e) {
  const r = e.record;
  const meta = r.metadata || {};
  const failed = !r.success;
  const isModel = r.action === "model_request";
  const isTool = r.action === "tool_call" || meta.transport === "mcp";
  const what = isModel
    ? ["model request", r.resource_id || meta.model || "model"]
    : isTool
      ? ["tool call", r.resource_type === "tool" ? r.resource_id || "tool" : r.action]
      : [r.action || "record", [r.resource_type, r.resource_id ? shortId(r.resource_id) : ""].filter(Boolean).join(" ")];
  const tokens = r.token_usage ? Object.values(r.token_usage).reduce((s, v) => s + (Number(v) || 0), 0) : 0;
  const details = [];
  if (isModel || tokens) details.push(`${number(tokens)} tokens`);
  if (typeof meta.cost_usd === "number") details.push(usd(meta.cost_usd));
  const node = el("li", {},
    el("span", { class: `badge ${failed ? "fail" : "ok"}` }, failed ? `failed${r.error_code ? ` · ${r.error_code}` : ""}` : what[0]),
    el("span", { class: "what" }, el("strong", {}, what[1]), failed ? ` (${what[0]})` : "",
      details.length ? el("span", { class: "tokens muted small" }, ` · ${details.join(" · ")}`) : null),
    el("span", { class: "who muted small" }, whoDid(r)));
  node.classList.add(isModel ? "model" : isTool ? "tool" : "other");
  if (failed) node.classList.add("failed");
  return node;
}

// An agent by the name the intervals and the usage breakdown give its session, else its client.
function whoDid(r) {
  const meta = r.metadata || {};
  const agent = state.agents.get(meta.mcp_session_id) || state.agents.get(r.agent_session_id) || meta.client || null;
  const person = nameOf(state.me, r.user_id || r.principal_id);
  return agent ? `${agent} · ${person}` : person;
}

start().catch((error) => showError($("ticket-error"), error));
