// REST client of the wallboard: sign-in (POST /api/v1/auth/token), bearer token kept for the tab.

const TOKEN_KEY = "hotline.wallboard.token";

export class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === "string" ? detail : `服务器错误（${status}）`);
    this.status = status;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

async function send(method, path, { form } = {}) {
  const headers = { Accept: "application/json" };
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  let body;
  if (form) {
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(form).toString();
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body });
  } catch {
    throw new ApiError(0, "无法连接服务器，请检查网络");
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data && data.detail);
  return data;
}

export async function login(username, password) {
  const data = await send("POST", "/api/v1/auth/token", { form: { username, password } });
  setToken(data.access_token);
  return me();
}

export const me = () => send("GET", "/api/v1/auth/me");
export const wallboard = () => send("GET", "/api/v1/stats/wallboard");
