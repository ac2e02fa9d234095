// Talking to the dashboard's same-origin API (/ui/api/...) and small DOM helpers shared by pages.

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

// Every family has its own error shape; pick the human message out of whichever this is.
function messageOf(body, status) {
  if (!body || typeof body !== "object") return `Request failed (${status})`;
  if (typeof body.error === "string" && body.error.length > 0 && !/^[A-Z_]+$/.test(body.error)) {
    return body.error;
  }
  if (typeof body.message === "string") return body.message;
  if (Array.isArray(body.detail)) {
    return body.detail.map((d) => `${(d.loc || []).slice(1).join(".")}: ${d.msg}`).join("; ");
  }
  if (body.errors && Array.isArray(body.errors)) {
    return body.errors.map((e) => e.detail || e.title || e.message).join("; ");
  }
  if (typeof body.error === "string") return body.error;
  return `Request failed (${status})`;
}

export function signInAgain() {
  const here = location.pathname + location.search;
  location.assign(`/signin?next=${encodeURIComponent(here)}`);
}

export async function api(path, { method = "GET", params, body } = {}) {
  const query = params ? `?${new URLSearchParams(clean(params))}` : "";
  const headers = { Accept: "application/json" };
  const init = { method, headers, credentials: "same-origin" };
  if (method !== "GET") headers["X-Dashboard"] = "1";
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(`/ui/api/${path}${query}`, init);
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (response.status === 401) {
    signInAgain();
    throw new ApiError(401, "Signed out", data);
  }
  if (!response.ok) throw new ApiError(response.status, messageOf(data, response.status), data);
  return data;
}

// Drop empty values so an unset filter is not sent as an empty string.
export function clean(params) {
  const out = {};
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") out[key] = String(value);
  }
  return out;
}

let mePromise = null;
export function loadMe() {
  if (!mePromise) {
    mePromise = api("me").then((me) => {
      const who = document.getElementById("who");
      if (who) who.textContent = `${me.org.name} · ${me.principal.type} token`;
      me.clockOffsetMs = Date.parse(me.now) - Date.now();
      return me;
    });
  }
  return mePromise;
}

// el("li", {class: "chip", "aria-label": "..."}, "text", childNode, ...)
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function showError(node, error) {
  if (!node) return;
  if (!error) {
    node.hidden = true;
    node.textContent = "";
    return;
  }
  node.hidden = false;
  node.textContent = error instanceof Error ? error.message : String(error);
}

export function toast(message) {
  const node = document.getElementById("toast");
  if (!node) return;
  node.textContent = message;
  node.classList.add("shown");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => node.classList.remove("shown"), 4000);
}

// Remember form state in the address bar so a view can be bookmarked and shared.
export function setQuery(values) {
  const url = new URL(location.href);
  url.search = new URLSearchParams(clean(values)).toString();
  history.replaceState(null, "", url);
}
