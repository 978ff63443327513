// api.js: the one place the page talks to the server. Every failure becomes
// an ApiError whose message is the server's own ({"error": "...", "status":
// N}) or says plainly what went wrong, so the page can show it.

export class ApiError extends Error {
  constructor(message, status, url) {
    super(message);
    this.name = 'ApiError';
    this.status = status; // HTTP status; 0 when the server could not be reached
    this.url = url;
  }
  // missing is true for an endpoint this server does not offer (yet).
  get missing() { return this.status === 404 || this.status === 501; }
}

// query builds "?a=1&b=2" from an object, leaving out empty values.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    q.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

// The access token, when the server has tokens configured: kept for the
// browser session only, sent as a bearer token.
const TOKEN_KEY = 'hotspots-token';
export function getToken() {
  try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch { return ''; }
}
export function setToken(t) {
  try { t ? sessionStorage.setItem(TOKEN_KEY, t) : sessionStorage.removeItem(TOKEN_KEY); } catch { /* storage off */ }
}
export function authHeaders() {
  const t = getToken();
  return t ? { Authorization: 'Bearer ' + t } : {};
}

// reachable is told when the server could not be reached (false). Only a
// failure is told: an answer may come from the browser's cache, which says
// nothing of the server (the page asks /healthz to know it is back).
let reachable = () => {};
export function onReachable(fn) { reachable = fn; }

// getJSON fetches url and returns its parsed JSON, or throws an ApiError.
export async function getJSON(url, { signal } = {}) {
  let resp;
  try {
    resp = await fetch(url, { signal, headers: { Accept: 'application/json, application/geo+json', ...authHeaders() } });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    reachable(false);
    throw new ApiError('The server could not be reached (' + err.message + ').', 0, url);
  }
  const text = await resp.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!resp.ok) {
    const msg = body && typeof body.error === 'string' ? body.error
      : `${resp.status} ${resp.statusText || 'error'} from ${new URL(url, location.href).pathname}`;
    throw new ApiError(msg, resp.status, url);
  }
  if (body === null) throw new ApiError('The server sent an answer that is not JSON for ' + url, resp.status, url);
  return body;
}

// postJSON sends body as JSON and returns the parsed answer, or throws an ApiError with the
// server's message.
export async function postJSON(url, body) {
  let resp;
  try {
    resp = await fetch(url, { method: 'POST', body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...authHeaders() } });
  } catch (err) {
    throw new ApiError('The server could not be reached (' + err.message + '). Check the connection and try again.', 0, url);
  }
  const text = await resp.text();
  let answer = null;
  try { answer = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!resp.ok) {
    const msg = answer && typeof answer.error === 'string' ? answer.error : `${resp.status} ${resp.statusText || 'error'}`;
    throw new ApiError(msg, resp.status, url);
  }
  return answer;
}

// enc encodes one path segment.
export const enc = encodeURIComponent;
