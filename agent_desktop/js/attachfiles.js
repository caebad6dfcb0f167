// Files an agent attaches while taking a request at the desktop (photos or PDFs a caller sent by
// other means): uploaded one by one to the new ticket (POST /api/v1/tickets/{id}/attachments);
// the server sniffs each file's type and checks its size.
import { token } from "./api.js";

export const MAX_FILES = 5;

// → {stored: n, failed: [name: reason]}; a refused file does not undo the ticket.
export async function uploadAll(ticketId, files) {
  const result = { stored: 0, failed: [] };
  for (const file of [...files].slice(0, MAX_FILES)) {
    const body = new FormData();
    body.append("file", file, file.name);
    const response = await fetch(`/api/v1/tickets/${ticketId}/attachments`, {
      method: "POST", headers: { Authorization: `Bearer ${token()}`, Accept: "application/json" }, body,
    }).catch(() => null);
    if (response && response.ok) result.stored += 1;
    else {
      const data = response ? await response.json().catch(() => ({})) : {};
      result.failed.push(`${file.name}：${(data.detail || "上传失败").split(" (")[0]}`);
    }
  }
  return result;
}
