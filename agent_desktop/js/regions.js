// Region picker (行政区划): 市州 → 区县 → 乡镇街道, loaded level by level from
// GET /api/v1/org/regions; the deepest chosen level is the ticket's region_code.
import { api } from "./api.js";
import { esc } from "./format.js";

const PROVINCE = "510000";

export class RegionPicker {
  constructor(form, onChange) {
    this.city = form.elements.region_city;
    this.county = form.elements.region_county;
    this.town = form.elements.region_town;
    this.onChange = onChange;
    this.cache = new Map();
    this.city.addEventListener("change", () => this.cityChanged());
    this.county.addEventListener("change", () => this.countyChanged());
    this.town.addEventListener("change", () => this.onChange());
  }

  async children(parent) {
    if (!this.cache.has(parent)) this.cache.set(parent, api.get(`/api/v1/org/regions?parent=${parent}`));
    return this.cache.get(parent);
  }

  fill(select, placeholder, regions) {
    select.innerHTML = `<option value="">${placeholder}</option>` +
      regions.map((r) => `<option value="${esc(r.code)}">${esc(r.name)}</option>`).join("");
    select.disabled = regions.length === 0;
  }

  async load() {
    this.fill(this.city, "市（州）", await this.children(PROVINCE));
    this.fill(this.county, "区（县）", []);
    this.fill(this.town, "乡镇（街道）", []);
  }

  async cityChanged() {
    this.fill(this.county, "区（县）", this.city.value ? await this.children(this.city.value) : []);
    this.fill(this.town, "乡镇（街道）", []);
    this.onChange();
  }

  async countyChanged() {
    this.fill(this.town, "乡镇（街道）", this.county.value ? await this.children(this.county.value) : []);
    this.onChange();
  }

  get code() {
    return this.town.value || this.county.value || this.city.value || null;
  }

  get label() {
    return [this.city, this.county, this.town].filter((s) => s.value)
      .map((s) => s.options[s.selectedIndex].text).join(" ");
  }

  // Restore a saved choice {city, county, town}, loading each level before choosing in it.
  async restore(saved) {
    if (!saved || !saved.city) return;
    this.city.value = saved.city;
    await this.cityChanged();
    if (!saved.county) return;
    this.county.value = saved.county;
    await this.countyChanged();
    if (saved.town) this.town.value = saved.town;
  }

  get value() {
    return { city: this.city.value, county: this.county.value, town: this.town.value };
  }
}
