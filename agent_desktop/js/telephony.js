// REST calls to the telephony side (ACD agent state, call records, call control), in one place.
import { api } from "./api.js";

export const acd = {
  me: () => api.get("/api/v1/acd/agents/me"),
  setState: (state, reason = "") => api.put("/api/v1/acd/agents/me/state", reason ? { state, reason } : { state }),
};

export const calls = {
  get: (callId) => api.get(`/api/v1/calls/${callId}`),
  hold: (callId, on) => api.post(`/api/v1/calls/${callId}/${on ? "hold" : "unhold"}`, {}),
  transfer: (callId, mode, extension) => api.post(`/api/v1/calls/${callId}/transfer`, { mode, extension }),
  completeTransfer: (callId) => api.post(`/api/v1/calls/${callId}/transfer/complete`, {}),
  cancelTransfer: (callId) => api.post(`/api/v1/calls/${callId}/transfer/cancel`, {}),
  addParty: (callId, extension) => api.post(`/api/v1/calls/${callId}/parties`, { extension }),
  emergency: (callId, service) => api.post(`/api/v1/calls/${callId}/emergency`, { service }),
  leave: (callId) => api.post(`/api/v1/calls/${callId}/leave`, {}),
};

export const desktop = {
  softphone: () => api.get("/api/v1/desktop/softphone"),
  experts: () => api.get("/api/v1/desktop/experts"),
  today: () => api.get("/api/v1/desktop/today"),
};
