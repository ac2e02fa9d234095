// Formatting of times, durations and numbers for people.

const numberFormat = new Intl.NumberFormat();

export function number(value) {
  return value === null || value === undefined ? "–" : numberFormat.format(value);
}

const usdFormat = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 4 });

export function usd(value) {
  return value === null || value === undefined ? "–" : usdFormat.format(value);
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function millis(ms) {
  if (ms === null || ms === undefined) return "–";
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function dateTime(iso) {
  if (!iso) return "–";
  const date = new Date(iso);
  return date.toLocaleString(undefined, {
    month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
}

export function shortTime(iso, withDay) {
  const date = new Date(iso);
  const options = withDay
    ? { weekday: "short", hour: "2-digit" }
    : { hour: "2-digit", minute: "2-digit" };
  return date.toLocaleString(undefined, options);
}

// Seconds since an ISO time, on the server's clock (offset learnt from its "now").
export function secondsSince(iso, offsetMs = 0) {
  return (Date.now() + offsetMs - Date.parse(iso)) / 1000;
}

// A UUIDv7 starts with its timestamp, the same for every row of a minute; its end tells rows apart.
export function shortId(id) {
  return id ? `…${String(id).slice(-8)}` : "–";
}

// The name the dashboard knows for an id (users, agents, apps of /ui/api/me), else its short form.
export function nameOf(me, id) {
  if (!id) return "–";
  for (const list of [me.users, me.agents, me.apps]) {
    const found = (list || []).find((item) => item.id === id);
    if (found && found.name) return found.name;
  }
  return shortId(id);
}

// <input type="datetime-local"> holds local wall time; the APIs want ISO 8601 with a zone.
export function localToIso(value) {
  if (!value) return "";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString();
}
