// Agents: one agent's runs with the filters, sorting, paging and grouping of file 003.
import { api, el, loadMe, setQuery, showError } from "./api.js";
import { dateTime, duration, localToIso, number, shortId } from "./format.js";

const $ = (id) => document.getElementById(id);
const RANGES = ["started_on", "completed_on", "created_on"];
const FIELDS = ["agent_uid", "status", "trigger_type", "sandbox", "started_on", "completed_on", "created_on"];
const state = { me: null, page: 1, totalPages: 1 };

async function start() {
  state.me = await loadMe();
  const select = $("agent");
  select.replaceChildren(...state.me.agents.map((a) => el("option", { value: a.id }, a.name)));
  if (!state.me.agents.length) {
    showError($("runs-error"), "This token cannot see any agent.");
    return;
  }
  restore(new URLSearchParams(location.search));
  select.addEventListener("change", () => { state.page = 1; load(); });
  $("run-filters").addEventListener("submit", (e) => { e.preventDefault(); state.page = 1; load(); });
  $("run-filters").addEventListener("reset", () => setTimeout(() => { state.page = 1; load(); }));
  $("prev-page").addEventListener("click", () => { state.page -= 1; load(); });
  $("next-page").addEventListener("click", () => { state.page += 1; load(); });
  load();
}

function restore(query) {
  if (state.me.agents.some((a) => a.id === query.get("agent"))) $("agent").value = query.get("agent");
  const form = $("run-filters").elements;
  const statuses = (query.get("status") || "").split(",");
  for (const box of form.status) box.checked = statuses.includes(box.value);
  for (const name of ["has_started", "has_completed", "sort", "group_by", "per_page"]) {
    if (query.get(name)) form[name].value = query.get(name);
  }
  for (const field of RANGES) {
    for (const end of ["from", "to"]) {
      const value = query.get(`${field}_${end}`);
      if (value) form[`${field}_${end}`].value = toLocalInput(value);
    }
  }
  state.page = Math.max(1, Number(query.get("page")) || 1);
}

function toLocalInput(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 16);
}

function params() {
  const form = $("run-filters").elements;
  const values = {
    status: [...form.status].filter((b) => b.checked).map((b) => b.value).join(","),
    has_started: form.has_started.value,
    has_completed: form.has_completed.value,
    sort: form.sort.value,
    group_by: form.group_by.value === "none" ? "" : form.group_by.value,
    per_page: form.per_page.value,
    page: state.page,
  };
  for (const field of RANGES) {
    values[`${field}_from`] = localToIso(form[`${field}_from`].value);
    values[`${field}_to`] = localToIso(form[`${field}_to`].value);
  }
  return values;
}

async function load() {
  const agentId = $("agent").value;
  const query = params();
  setQuery({ agent: agentId, ...query, page: state.page > 1 ? state.page : "" });
  const withTokens = state.me.can_see_token_usage;
  const request = { ...query, "fields[agent-runs]": (withTokens ? [...FIELDS, "token_usage"] : FIELDS).join(",") };
  try {
    const [agent, runs] = await Promise.all([
      api(`agents/${agentId}`),
      api(`agents/${agentId}/activities`, { params: request }),
    ]);
    showError($("runs-error"), null);
    renderAgent(agent);
    renderRuns(runs.data, withTokens);
  } catch (error) {
    showError($("runs-error"), error);
    $("runs").replaceChildren();
  }
}

function renderAgent(agent) {
  const body = agent.data || agent;
  const attributes = body.attributes || body;
  const parts = [attributes.description, attributes.approach && `approach: ${attributes.approach}`];
  $("agent-info").textContent = parts.filter(Boolean).join(" · ");
}

// group_by=trigger answers groups of runs; each group is rendered as its own captioned table.
function renderRuns(data, withTokens) {
  const meta = data._meta || {};
  state.totalPages = Math.max(1, meta.total_pages || 1);
  state.page = meta.page || state.page;
  $("runs-count").textContent = meta.total_items === undefined ? "" : `(${number(meta.total_items)})`;
  $("page-info").textContent = `Page ${state.page} of ${state.totalPages}`;
  $("prev-page").disabled = state.page <= 1;
  $("next-page").disabled = state.page >= state.totalPages;
  const items = data.items || [];
  // Grouped by trigger, each item is a group ("agent-run-groups") holding its own page of runs.
  const grouped = items.length > 0 && items[0].type === "agent-run-groups";
  const groups = grouped
    ? items.map((g) => ({ name: g.attributes.trigger_type, items: g.items, total: g.attributes.total_items }))
    : [{ name: null, items, total: items.length }];
  const host = $("runs");
  if (!groups.length || groups.every((g) => !g.items.length)) {
    host.replaceChildren(el("p", { class: "muted" }, "No runs match these filters."));
    return;
  }
  host.replaceChildren(...groups.map((g) => runTable(g, withTokens)));
}

function runTable(group, withTokens) {
  const name = group.name;
  const headers = ["Run", "Status", "Trigger", "Started", "Completed", "Took"];
  if (withTokens) headers.push("Tokens");
  const rows = group.items.map((item) => {
    const a = item.attributes || {};
    const took = a.started_on && a.completed_on ? (Date.parse(a.completed_on) - Date.parse(a.started_on)) / 1000 : null;
    const cells = [
      el("th", { scope: "row" }, el("code", { title: item.id }, shortId(item.id))),
      el("td", {}, el("span", { class: `badge status-${a.status}` }, a.status || "–")),
      el("td", {}, (a.trigger_type || "–").replace(/_/g, " ")),
      el("td", {}, dateTime(a.started_on)),
      el("td", {}, dateTime(a.completed_on)),
      el("td", {}, duration(took)),
    ];
    if (withTokens) cells.push(el("td", { class: "num" }, tokenText(a.token_usage)));
    return el("tr", {}, cells);
  });
  const count = group.total;
  return el(
    "div",
    { class: "table-wrap" },
    el(
      "table",
      { class: "runs" },
      el("caption", { class: name ? "" : "visually-hidden" }, name ? `${name.replace(/_/g, " ")} · ${number(count)} run${count === 1 ? "" : "s"}` : "Runs"),
      el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, rows),
    ),
  );
}

// token_usage holds counts by kind plus their "total" (file 003 leaves the kinds open).
function tokenText(usage) {
  if (!usage || typeof usage !== "object") return "–";
  const kinds = Object.entries(usage).filter(([k]) => k !== "total");
  const total = usage.total ?? kinds.reduce((s, [, v]) => s + (Number(v) || 0), 0);
  const detail = kinds.map(([k, v]) => `${k} ${number(v)}`).join(", ");
  return el("span", { title: detail }, number(total));
}

start().catch((error) => showError($("runs-error"), error));
