// Who is signed in and what they may do, and the organisation's units (names, for every list).

import { api } from "./api.js";

export const ctx = { me: null, perms: new Set(), units: new Map(), domains: {} };

const UNIT_ROLES = new Set(["unit_staff", "unit_leader"]);

export function can(permission) {
  return ctx.perms.has(permission);
}

// The hotline side (12345 centres) or a handling unit: the API decides by role, the page follows.
export function unitSide() {
  return UNIT_ROLES.has(ctx.me && ctx.me.role);
}

export async function load(me) {
  ctx.me = me;
  ctx.perms = new Set(me.permissions || []);
  const [units, domains] = await Promise.all([api.get("/api/v1/org/units"), api.get("/api/v1/org/domains")]);
  ctx.units = new Map(units.map((u) => [u.id, u]));
  ctx.domains = domains || {};
}

export function unitName(id) {
  if (id === null || id === undefined) return "—";
  const unit = ctx.units.get(id);
  return unit ? unit.name : `单位 ${id}`;
}

// Units a ticket may go to: not the 12345 centres themselves, active ones only.
export function dispatchableUnits() {
  return [...ctx.units.values()].filter((u) => u.active && u.kind !== "hotline_centre" && u.kind !== "sub_centre");
}

// The signed-in person's unit and every unit below it (a leader acts for those too).
export function ownUnits() {
  const own = new Set();
  const start = ctx.me && ctx.me.org_unit_id;
  if (!start) return own;
  own.add(start);
  let grew = true;
  while (grew) {
    grew = false;
    for (const unit of ctx.units.values()) {
      if (unit.parent_id && own.has(unit.parent_id) && !own.has(unit.id)) { own.add(unit.id); grew = true; }
    }
  }
  return own;
}
