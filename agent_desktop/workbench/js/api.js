// The workbench's REST client (/desktop/js/rest.js, shared with the desktop and the wallboard),
// its token kept for the tab.
import { ApiError, query, restClient } from "/desktop/js/rest.js";

export { ApiError, query };
const client = restClient("hotline.workbench.token", "workbench:unauthorized");
export const { token, setToken, request } = client;

export const api = {
  get: (path, params, opts) => request("GET", path + query(params), opts),
  post: (path, json, opts = {}) => request("POST", path, { ...opts, json }),
};

// Signs in, then who it is (the workbench shows the views their permissions allow).
export async function login(username, password) {
  await client.login(username, password);
  return api.get("/api/v1/auth/me");
}
