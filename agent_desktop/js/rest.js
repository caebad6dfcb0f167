// The REST client every page of the platform uses (desktop, workbench, wallboard): bearer token
// kept for the tab under the page's own key, JSON in and out, errors as ApiError with the
// server's {"code","detail"} (FastAPI 422 details become one readable message per field).

export class ApiError extends Error {
  constructor(status, code, detail, fields = {}) {
    super(typeof detail === "string" ? detail : `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.fields = fields; // {field path: message} for 422s
  }
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

// Domain errors name missing elements in info.missing (a ticket's required elements).
const ELEMENT_LABEL = {
  "caller.phone": "联系电话", content: "诉求内容", category: "诉求类型", occurred_at: "事发时间", address: "事发地点（详细地址）",
};

function missingErrors(info) {
  const fields = {};
  for (const name of (info && Array.isArray(info.missing) ? info.missing : [])) {
    fields[name] = `缺少：${ELEMENT_LABEL[name] || name}`;
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

// A page's client: its token lives under tokenKey; a 401 is announced as the window event
// `unauthorizedEvent` (the page shows its sign-in again).
export function restClient(tokenKey, unauthorizedEvent) {
  const token = () => sessionStorage.getItem(tokenKey);

  function setToken(value) {
    if (value) sessionStorage.setItem(tokenKey, value);
    else sessionStorage.removeItem(tokenKey);
  }

  async function request(method, path, { json, form, signal } = {}) {
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
      const fields = { ...fieldErrors(data && data.detail), ...missingErrors(data && data.info) };
      const err = new ApiError(response.status, data && data.code, errorMessage(response.status, data), fields);
      if (response.status === 401) window.dispatchEvent(new CustomEvent(unauthorizedEvent));
      throw err;
    }
    return data;
  }

  async function login(username, password) {
    const data = await request("POST", "/api/v1/auth/token", { form: { username, password } });
    setToken(data.access_token);
    return data;
  }

  return { token, setToken, request, login };
}
