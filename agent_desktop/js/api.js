// The agent desktop's REST client (js/rest.js), its token kept for the tab.
import { ApiError, restClient } from "./rest.js";

export { ApiError };
export const { token, setToken, request, login } = restClient("hotline.desktop.token", "desktop:unauthorized");

export const api = {
  get: (path, opts) => request("GET", path, opts),
  post: (path, json, opts = {}) => request("POST", path, { ...opts, json }),
  put: (path, json, opts = {}) => request("PUT", path, { ...opts, json }),
  del: (path, opts) => request("DELETE", path, opts),
};
