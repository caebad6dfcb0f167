// The wallboard's REST client (/desktop/js/rest.js, shared with the desktop and the workbench):
// sign-in, its token kept for the tab, the wallboard's figures.
import { ApiError, restClient } from "/desktop/js/rest.js";

export { ApiError };
const client = restClient("hotline.wallboard.token", "wallboard:unauthorized");
export const { token, setToken } = client;

export async function login(username, password) {
  await client.login(username, password);
  return me();
}

export const me = () => client.request("GET", "/api/v1/auth/me");
export const wallboard = () => client.request("GET", "/api/v1/stats/wallboard");
export const callbackFigures = () => client.request("GET", "/api/v1/callbacks/figures?days=1");

// the supervisor's own seat (softphone) and the monitor of a call (monitor.js)
export const softphone = () => client.request("GET", "/api/v1/desktop/softphone");
export const monitor = {
  start: (callId, mode, extension) => client.request("POST", `/api/v1/calls/${callId}/monitor`, { json: { mode, extension } }),
  change: (callId, mode) => client.request("PATCH", `/api/v1/calls/${callId}/monitor`, { json: { mode } }),
  stop: (callId) => client.request("DELETE", `/api/v1/calls/${callId}/monitor`),
};
