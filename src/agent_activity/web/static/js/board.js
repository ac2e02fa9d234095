// Board: a project's tickets in their columns, the agents on each, their progress, and the
// project's sessions; refetched whenever the server's event stream says something changed.
import { api, el, loadMe, showError, signInAgain, toast, setQuery } from "./api.js";
import { dateTime, duration, nameOf, secondsSince, usd } from "./format.js";

const state = { me: null, project: null, data: null, loadedAt: 0, source: null, pending: null };
const $ = (id) => document.getElementById(id);

async function start() {
  state.me = await loadMe();
  const select = $("project");
  const byWorkspace = new Map(state.me.workspaces.map((w) => [w.id, el("optgroup", { label: w.name })]));
  for (const project of state.me.projects) {
    const option = el("option", { value: project.id }, project.name);
    const group = byWorkspace.get(project.workspace_id);
    (group || select).append(option);
  }
  for (const group of byWorkspace.values()) if (group.children.length) select.append(group);
  if (!state.me.projects.length) {
    showError($("board-error"), "This token cannot see any project.");
    $("live").textContent = "";
    return;
  }
  const wanted = new URLSearchParams(location.search).get("project");
  select.value = state.me.projects.some((p) => p.id === wanted) ? wanted : state.me.projects[0].id;
  select.addEventListener("change", () => openProject(select.value));
  $("new-ticket").addEventListener("submit", createTicket);
  setInterval(tick, 1000);
  openProject(select.value);
}

function openProject(id) {
  state.project = state.me.projects.find((p) => p.id === id);
  setQuery({ project: id });
  state.data = null;
  $("board").replaceChildren();
  connect();
}

// One EventSource per open project; every "change" event triggers one refetch.
function connect() {
  if (state.source) state.source.close();
  const live = $("live");
  live.textContent = "Connecting…";
  live.dataset.state = "connecting";
  const source = new EventSource(`/ui/api/projects/${state.project.id}/events`);
  state.source = source;
  source.addEventListener("change", (event) => {
    const data = JSON.parse(event.data);
    state.me.clockOffsetMs = Date.parse(data.now) - Date.now();
    if (live.dataset.state !== "live") {
      live.textContent = "Live";
      live.dataset.state = "live";
    }
    scheduleLoad();
  });
  source.addEventListener("signed-out", () => signInAgain());
  source.addEventListener("error", async () => {
    live.textContent = "Reconnecting…";
    live.dataset.state = "connecting";
    if (source.readyState === EventSource.CLOSED) {
      try {
        await api("me");
        setTimeout(() => state.source === source && connect(), 2000);
      } catch {
        /* api() has already sent the browser to the sign-in page on 401 */
      }
    }
  });
}

function scheduleLoad() {
  if (state.pending) return;
  state.pending = load().finally(() => {
    state.pending = null;
  });
}

async function load() {
  const id = state.project.id;
  try {
    // One usage request for the whole board, sorted most expensive first.
    const [tickets, activity, sessions, usage] = await Promise.all([
      api(`projects/${id}/tickets`),
      api(`projects/${id}/agent-activity`),
      api(`projects/${id}/agent-sessions`, { params: { active: "true" } }),
      api(`projects/${id}/usage`, { params: { sort: "cost" } }),
    ]);
    if (state.project.id !== id) return;
    const usageByTicket = new Map(usage.tickets.map((u) => [u.ticket_id, u]));
    state.data = { tickets, activity, sessions: sessions.sessions, usage: usage.tickets, usageByTicket };
    state.loadedAt = Date.now();
    showError($("board-error"), null);
    render();
  } catch (error) {
    showError($("board-error"), error);
  }
}

function render() {
  const { tickets, activity } = state.data;
  const columns = tickets.columns && tickets.columns.length ? tickets.columns : state.project.board_columns;
  const latest = latestCheckpoints(activity.checkpoints);
  const board = $("board");
  const focused = document.activeElement && document.activeElement.id;
  board.replaceChildren(
    ...columns.map((column, index) => {
      const cards = tickets.tickets
        .filter((t) => t.column === column)
        .sort((a, b) => a.position - b.position || a.number - b.number);
      return el(
        "section",
        { class: "column", "aria-labelledby": `col-${index}` },
        el("h3", { id: `col-${index}` }, label(column), " ", el("span", { class: "count" }, `(${cards.length})`)),
        el("ul", { class: "cards" }, cards.map((t) => ticketCard(t, columns, latest.get(t.id)))),
      );
    }),
  );
  if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
  renderSessions();
  renderExpensive();
  renderHistory();
  renderNewTicket(columns);
}

function latestCheckpoints(checkpoints) {
  const latest = new Map();
  for (const c of checkpoints) {
    const seen = latest.get(c.ticket_id);
    if (!seen || Date.parse(c.created_at) > Date.parse(seen.created_at)) latest.set(c.ticket_id, c);
  }
  return latest;
}

function ticketCard(ticket, columns, checkpoint) {
  const agents = state.data.activity.sessions.filter((s) => s.ticket_id === ticket.id);
  const card = el(
    "li",
    { class: "ticket card", "data-ticket": ticket.number },
    el("h4", {}, el("a", { href: ticketUrl(ticket.number), class: "ticket-link" },
      el("span", { class: "number" }, `#${ticket.number}`), " ", ticket.title)),
  );
  card.append(usageLine(state.data.usageByTicket.get(ticket.id)));
  if (agents.length) {
    card.append(el("ul", { class: "chips", "aria-label": "Agents working on it" }, agents.map(chip)));
  }
  if (checkpoint) card.append(progress(checkpoint, ticket));
  if (state.me.can_write) {
    const id = `move-${ticket.id}`;
    const select = el(
      "select",
      { id, onchange: (e) => moveTicket(ticket, e.target.value) },
      columns.map((c) => el("option", { value: c, selected: c === ticket.column }, label(c))),
    );
    card.append(el("div", { class: "move" }, el("label", { for: id }, `Move #${ticket.number} to`), select));
  }
  return card;
}

function usageLine(usage) {
  const time = usage ? usage.agent_time_s : 0;
  const cost = usage ? usage.cost_usd : 0;
  return el(
    "p",
    { class: "usage muted small", "aria-label": `Agent time ${duration(time)}, cost ${usd(cost)}` },
    el("span", { class: "agent-time" }, `⏱ ${duration(time)}`),
    " · ",
    el("span", { class: "cost" }, usd(cost)),
  );
}

// The project's most expensive tickets, from the same usage answer as the cards.
function renderExpensive() {
  const list = $("expensive");
  const top = state.data.usage.filter((u) => u.cost_usd > 0).slice(0, 5);
  if (!top.length) {
    list.replaceChildren(el("li", { class: "muted" }, "No ticket has cost anything yet."));
    return;
  }
  list.replaceChildren(
    ...top.map((u) =>
      el(
        "li",
        { "data-ticket": u.ticket_number },
        el("a", { href: ticketUrl(u.ticket_number), class: "ticket-link" },
          el("strong", {}, `#${u.ticket_number}`), ` ${u.title}`),
        " · ",
        el("span", { class: "cost" }, usd(u.cost_usd)),
        el("div", { class: "muted small" }, `${duration(u.agent_time_s)} of agent time · ${u.model_requests} model requests`),
      ),
    ),
  );
}

function chip(session) {
  const working = session.working_for_s === null ? null : session.working_for_s;
  const text = el("span", { class: "working", "data-base": working ?? "" }, working === null ? "" : `working ${duration(working)}`);
  const parts = [
    el("strong", { class: "role" }, session.role || "agent"),
    el("span", { class: "origin" }, session.origin || "unknown"),
    text,
  ];
  if (session.stale) parts.push(el("span", { class: "badge stale-badge" }, "stale"));
  const description =
    `${session.role} via ${session.origin}` +
    (working === null ? "" : `, working for ${duration(working)}`) +
    (session.stale ? ", stale: no tool call recently" : "");
  return el("li", { class: `chip${session.stale ? " stale" : ""}`, title: description, "aria-label": description }, parts);
}

function progress(checkpoint, ticket) {
  const pct = Math.max(0, Math.min(100, Number(checkpoint.progress_pct)));
  const id = `progress-${ticket.id}`;
  return el(
    "div",
    { class: "progress" },
    el("div", { class: "progress-head" },
      el("label", { for: id }, `${checkpoint.status}`),
      el("span", { class: "pct" }, `${Math.round(pct)}%`)),
    el("progress", { id, max: "100", value: String(pct) }, `${Math.round(pct)}%`),
    checkpoint.details ? el("p", { class: "details" }, checkpoint.details) : null,
    el("p", { class: "muted small" }, `${checkpoint.agent_role} · ${dateTime(checkpoint.created_at)}`),
  );
}

function renderSessions() {
  const list = $("sessions");
  const sessions = state.data.sessions;
  if (!sessions.length) {
    list.replaceChildren(el("li", { class: "muted" }, "No agent is connected."));
    return;
  }
  list.replaceChildren(
    ...sessions.map((s) => {
      const idle = secondsSince(s.last_activity_at, state.me.clockOffsetMs);
      const stale = idle > state.me.stale_after_s;
      return el(
        "li",
        { class: `session${stale ? " stale" : ""}` },
        el("strong", {}, s.caller_role || "agent"), " · ", s.caller_origin || "unknown",
        stale ? el("span", { class: "badge stale-badge" }, "stale") : null,
        el("div", { class: "muted small" }, `machine ${s.machine_id} · ${nameOf(state.me, s.user_id)}`),
        el("div", { class: "muted small" },
          `connected ${s.connected_at ? dateTime(s.connected_at) : "–"} · `,
          el("span", { class: "idle", "data-since": s.last_activity_at }, `last active ${duration(idle)} ago`)),
      );
    }),
  );
}

function renderHistory() {
  const list = $("history");
  const history = state.data.activity.session_history;
  const numbers = new Map(state.data.tickets.tickets.map((t) => [t.id, t.number]));
  if (!history.length) {
    list.replaceChildren(el("li", { class: "muted" }, "No completed work yet."));
    return;
  }
  list.replaceChildren(
    ...history.map((h) =>
      el(
        "li",
        {},
        el("strong", {}, h.ticket_id && numbers.has(h.ticket_id) ? `#${numbers.get(h.ticket_id)}` : "no ticket"),
        ` · ${h.agent_role || "agent"} · ${h.origin || "unknown"} · ${duration(h.duration_seconds)}`,
        el("div", { class: "muted small" }, `${dateTime(h.started_at)} – ${dateTime(h.ended_at)}`),
      ),
    ),
  );
}

function renderNewTicket(columns) {
  const form = $("new-ticket");
  form.hidden = !state.me.can_write;
  const select = $("new-ticket-column");
  if (select.options.length !== columns.length) {
    select.replaceChildren(...columns.map((c) => el("option", { value: c }, label(c))));
  }
}

// Durations tick locally between refetches, so a chip's "working for" never looks frozen.
function tick() {
  if (!state.data) return;
  const elapsed = (Date.now() - state.loadedAt) / 1000;
  for (const node of document.querySelectorAll(".chip .working")) {
    if (node.dataset.base !== "") node.textContent = `working ${duration(Number(node.dataset.base) + elapsed)}`;
  }
  for (const node of document.querySelectorAll(".session .idle")) {
    node.textContent = `last active ${duration(secondsSince(node.dataset.since, state.me.clockOffsetMs))} ago`;
  }
}

async function moveTicket(ticket, column) {
  try {
    await api(`projects/${state.project.id}/tickets/${ticket.id}`, { method: "PATCH", body: { column } });
    toast(`Moved #${ticket.number} to ${label(column)}`);
  } catch (error) {
    toast(error.message);
  }
  scheduleLoad();
}

async function createTicket(event) {
  event.preventDefault();
  const title = $("new-ticket-title").value.trim();
  if (!title) return;
  try {
    const made = await api(`projects/${state.project.id}/tickets`, {
      method: "POST",
      body: { title, column: $("new-ticket-column").value },
    });
    $("new-ticket-title").value = "";
    toast(`Created #${made.number}`);
  } catch (error) {
    toast(error.message);
  }
  scheduleLoad();
}

// Each ticket has its own page (its story, breakdowns and cost chart) under the board.
function ticketUrl(number) {
  return `/board/${state.project.id}/tickets/${number}`;
}

function label(column) {
  return column.replace(/_/g, " ");
}

start().catch((error) => showError($("board-error"), error));
