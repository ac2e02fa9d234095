// Activity: the audit feed at org, workspace, user or app level (infinite scroll by cursor),
// filters and search, and a summary panel with charts for the last 24 hours or 7 days.
import { api, el, loadMe, setQuery, showError } from "./api.js";
import { barList, columnChart, outcomeBar } from "./charts.js";
import { dateTime, localToIso, millis, nameOf, number, shortId, shortTime } from "./format.js";

const $ = (id) => document.getElementById(id);
const SEARCH_FIELDS = ["action", "resource_type", "user_id", "status", "min_duration_ms", "max_duration_ms"];
const state = { me: null, cursor: null, hasMore: false, loading: false, generation: 0, shown: 0 };

async function start() {
  state.me = await loadMe();
  const query = new URLSearchParams(location.search);
  $("level").value = ["org", "workspace", "user", "app"].includes(query.get("level")) ? query.get("level") : "org";
  fillScopeChoices(query.get("id"));
  for (const name of [...SEARCH_FIELDS, "start_time", "end_time"]) {
    const input = $("feed-filters").elements[name];
    if (query.get(name)) input.value = name.endsWith("_time") ? query.get(name).slice(0, 16) : query.get(name);
  }
  // The dashboard's own reads drown the agents' actions: hidden unless the address says otherwise.
  $("f-own-reads").checked = query.get("own_reads") !== "shown";
  $("f-own-reads").addEventListener("change", refresh);
  if (query.get("hours") === "168") document.querySelector('input[name="hours"][value="168"]').checked = true;

  $("level").addEventListener("change", () => { fillScopeChoices(); refresh(); });
  $("scope_id").addEventListener("change", refresh);
  $("feed-filters").addEventListener("submit", (e) => { e.preventDefault(); refresh(); });
  $("feed-filters").addEventListener("reset", () => setTimeout(refresh));
  for (const radio of document.querySelectorAll('input[name="hours"]')) {
    radio.addEventListener("change", () => { remember(); loadSummary(); });
  }
  $("load-more").addEventListener("click", () => loadPage());
  new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) loadPage();
  }, { rootMargin: "200px" }).observe($("feed-end"));
  refresh();
}

function fillScopeChoices(wanted) {
  const level = $("level").value;
  const me = state.me;
  const names = new Map(me.workspaces.map((w) => [w.id, w.name]));
  let choices = [];
  if (level === "org") choices = [{ id: me.org.id, name: me.org.name }];
  if (level === "workspace") choices = me.workspaces;
  if (level === "user") {
    choices = me.users.map((u) => ({ id: u.id, name: u.id === me.user_id ? `${u.name} (me)` : u.name }));
  }
  if (level === "app") choices = me.apps.map((a) => ({ ...a, name: `${a.name} (${names.get(a.workspace_id) || "workspace"})` }));
  $("scope_id").replaceChildren(...choices.map((c) => el("option", { value: c.id }, c.name)));
  if (wanted && choices.some((c) => c.id === wanted)) $("scope_id").value = wanted;
  else if (level === "user" && me.user_id) $("scope_id").value = me.user_id;
  $("scope-id-field").hidden = level === "org";
  // The search endpoint of file 004 exists for a workspace only.
  const searchable = level === "workspace";
  for (const name of SEARCH_FIELDS) $("feed-filters").elements[name].disabled = !searchable;
  $("search-hint").hidden = searchable;
}

function scope() {
  const level = $("level").value;
  const id = $("scope_id").value;
  const org = state.me.org.id;
  const app = state.me.apps.find((a) => a.id === id);
  const base = {
    org: `v1/orgs/${org}`,
    workspace: `v1/orgs/${org}/workspaces/${id}`,
    user: `v1/orgs/${org}/users/${id}`,
    app: app ? `v1/orgs/${org}/workspaces/${app.workspace_id}/apps/${id}` : null,
  }[level];
  return { level, id, base };
}

function filters() {
  const form = $("feed-filters").elements;
  const values = {};
  for (const name of SEARCH_FIELDS) if (!form[name].disabled) values[name] = form[name].value.trim();
  values.start_time = localToIso(form.start_time.value);
  values.end_time = localToIso(form.end_time.value);
  return values;
}

// The view (level, period, filters) lives in the address bar, so it can be bookmarked.
function remember() {
  const { level, id } = scope();
  const hours = document.querySelector('input[name="hours"]:checked').value;
  const ownReads = $("f-own-reads").checked ? "" : "shown";
  setQuery({ level, id: level === "org" ? "" : id, hours: hours === "24" ? "" : hours, ...filters(), own_reads: ownReads });
}

function refresh() {
  remember();
  state.generation += 1;
  state.cursor = null;
  state.hasMore = true;
  state.shown = 0;
  state.loading = false;
  $("feed").replaceChildren();
  $("feed-count").textContent = "";
  loadPage();
  loadSummary();
}

async function loadPage() {
  const { base, level } = scope();
  if (state.loading || !state.hasMore || !state.me || !base) return;
  const generation = state.generation;
  state.loading = true;
  const params = filters();
  const searching = level === "workspace" && SEARCH_FIELDS.some((n) => params[n]);
  const path = `${base}/activity${searching ? "/search" : ""}`;
  if (state.cursor) params.cursor = state.cursor;
  if ($("f-own-reads").checked) params.exclude_dashboard_reads = "true";
  params.limit = 50;
  $("load-more").disabled = true;
  try {
    const page = await api(path, { params });
    if (generation !== state.generation) return;
    $("feed").append(...page.activities.map(feedItem));
    state.shown += page.activities.length;
    state.cursor = page.next_cursor;
    state.hasMore = Boolean(page.has_more && page.next_cursor);
    $("feed-count").textContent = `(${number(state.shown)} of ${number(page.total)})`;
    showError($("feed-error"), null);
  } catch (error) {
    if (generation === state.generation) {
      showError($("feed-error"), error);
      state.hasMore = false;
    }
  } finally {
    if (generation === state.generation) {
      state.loading = false;
      $("load-more").disabled = false;
      $("load-more").hidden = !state.hasMore;
      $("feed-end").dataset.end = state.hasMore ? "" : "true";
    }
  }
  // A tall screen may show the end marker again at once: keep filling it.
  if (generation === state.generation && state.hasMore && isVisible($("feed-end"))) loadPage();
}

function isVisible(node) {
  const box = node.getBoundingClientRect();
  return box.top < window.innerHeight + 200 && box.bottom > 0;
}

function feedItem(a) {
  const outcome = a.success ? "ok" : "fail";
  const tokens = a.token_usage ? Object.values(a.token_usage).reduce((s, v) => s + v, 0) : 0;
  return el(
    "li",
    { class: `feed-item ${outcome}` },
    el("span", { class: `badge ${outcome}` }, a.success ? "success" : `error ${a.status_code ?? ""}`.trim()),
    el("span", { class: "what" },
      el("strong", {}, a.action || "–"), " ", a.resource_type || "", a.resource_id ? ` ${shortId(a.resource_id)}` : ""),
    el("span", { class: "where muted" }, `${a.method || ""} ${a.path || ""}`.trim()),
    el("span", { class: "who muted" }, `${a.principal_type || "?"} ${nameOf(state.me, a.user_id || a.principal_id)}`),
    el("span", { class: "how muted" }, millis(a.duration_ms), tokens ? ` · ${number(tokens)} tokens` : ""),
    el("time", { datetime: a.timestamp, class: "when muted" }, dateTime(a.timestamp)),
  );
}

async function loadSummary() {
  const { level, id } = scope();
  const hours = Number(document.querySelector('input[name="hours"]:checked').value);
  const org = state.me.org.id;
  // The summary follows the feed's toggle, so the two never disagree about what they count.
  const own = $("f-own-reads").checked ? { exclude_dashboard_reads: "true" } : {};
  const summaryPath = {
    org: `v1/orgs/${org}/activity/summary`,
    workspace: `v1/orgs/${org}/workspaces/${id}/activity/summary`,
    user: `v1/orgs/${org}/users/${id}/activity/summary`,
  }[level];
  try {
    const [series, summary] = await Promise.all([
      api("activity/series", { params: { level, id: level === "org" ? org : id, hours, ...own } }),
      summaryPath ? api(summaryPath, { params: { hours, ...own } }) : Promise.resolve(null),
    ]);
    renderSummary(series, summary, hours);
  } catch (error) {
    $("totals").replaceChildren(el("div", { class: "error" }, error.message));
  }
}

// The spec's summary (where file 004 has one) gives the headline; the series gives the shape.
function renderSummary(series, summary, hours) {
  const total = summary ? summary.total_requests : series.total_requests;
  const ok = summary ? summary.successful_requests : series.successful_requests;
  const failed = summary ? summary.failed_requests : series.total_requests - series.successful_requests;
  const tokens = summary ? summary.total_tokens_used : series.total_tokens;
  const items = [
    ["Requests", number(total)],
    ["Succeeded", number(ok)],
    ["Failed", number(failed)],
    ["Avg duration", summary ? millis(summary.avg_duration_ms) : "–"],
    ["Tokens", number(tokens)],
  ];
  $("totals").replaceChildren(...items.flatMap(([k, v]) => [el("div", {}, el("dt", {}, k), el("dd", {}, v))]));
  const labelOf = (b) => shortTime(b.start, hours > 48);
  columnChart($("chart-requests"), series.buckets, [
    { key: "successes", label: "succeeded", cls: "ok" },
    { key: "failures", label: "failed", cls: "fail" },
  ], { title: "Requests over time", labelOf });
  outcomeBar($("chart-outcome"), ok, failed);
  barList($("chart-action"), summary ? summary.by_action : series.by_action, { title: "Requests by action" });
  barList($("chart-resource"), summary ? summary.by_resource : series.by_resource, { title: "Requests by resource type" });
  columnChart($("chart-tokens"), series.buckets, [{ key: "tokens", label: "tokens", cls: "tokens" }], {
    title: "Tokens over time",
    labelOf,
  });
}

start().catch((error) => showError($("feed-error"), error));
