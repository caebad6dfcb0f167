// REST client of the workbench: bearer token kept for the tab, JSON in and out, errors as ApiError
// with the server's {"code","detail"} (FastAPI 422 details become one readable message per field).

const TOKEN_KEY = "hotline.workbench.token";

export class ApiError extends Error {
  constructor(status, code, detail, fields = {}) {
    super(typeof detail === "string" ? detail : `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.fields = fields; // {field path: message} for 422s
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

function fieldErrors(detail) {
  const fields = {};
  if (!Array.isArray(detail)) return fields;
  for (const item of detail) {
    const loc = (item.loc || []).filter((p) => p !== "body" && p !== "query" && p !== "path");
    fields[loc.join(".") || "_"] = item.msg || "输入有误";
  }
  return fields;
}

function errorMessage(status, body) {
  if (body && typeof body.detail === "string") return body.detail;
  if (status === 422) return "输入有误，请检查标红的项目";
  if (status === 0) return "无法连接服务器，请检查网络";
  return `服务器错误（${status}）`;
}

// Query strings with repeated keys for lists (status=a&status=b); empty values left out.
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value === undefined || value === null || value === "" || value === false) continue;
    for (const one of Array.isArray(value) ? value : [value]) search.append(key, String(one));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

export async function request(method, path, { json, form, signal } = {}) {
  const headers = { Accept: "application/json" };
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form) {
    body = new URLSearchParams(form);
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body, signal });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, "network", errorMessage(0));
  }
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!response.ok) {
    const err = new ApiError(response.status, data && data.code, errorMessage(response.status, data),
      fieldErrors(data && data.detail));
    if (response.status === 401) window.dispatchEvent(new CustomEvent("workbench:unauthorized"));
    throw err;
  }
  return data;
}

export const api = {
  get: (path, params, opts) => request("GET", path + query(params), opts),
  post: (path, json, opts = {}) => request("POST", path, { ...opts, json }),
};

export async function login(username, password) {
  const data = await request("POST", "/api/v1/auth/token", { form: { username, password } });
  setToken(data.access_token);
  return api.get("/api/v1/auth/me");
}
