import { ARENA_DECL } from "./expr.js";
import { mathLibrary } from "./math.js";
const GPU_TUNING = { matmul: { block: 16, perThread: 2 } };
const SOFTWARE_TUNING = { matmul: { block: 8, perThread: 1 } };
const WG = 64;
const MAX_GROUPS = 65535;
function grid(n) {
  const gx = Math.max(1, Math.min(n, MAX_GROUPS));
  return { groups: [gx, Math.ceil(n / gx), 1], gx };
}
class Helpers {
  used = /* @__PURE__ */ new Set();
  use = (h) => {
    this.used.add(h);
    return h.name;
  };
}
class Bases {
  ids = [];
  of = (id) => {
    let slot = this.ids.indexOf(id);
    if (slot < 0) {
      slot = this.ids.length;
      this.ids.push(id);
    }
    return `p[${slot >> 2}].${"xyzw"[slot & 3]}`;
  };
}
const SLOT_WORDS = 64;
function shader(o) {
  const slots = o.bases.ids.length;
  if (slots > SLOT_WORDS) throw new Error(`a kernel reads ${slots} buffers; at most ${SLOT_WORDS} are supported`);
  return [
    ARENA_DECL,
    ...slots > 0 ? [`@group(1) @binding(0) var<uniform> p: array<vec4<u32>, ${Math.ceil(slots / 4)}>;`] : [],
    ...o.decls ?? [],
    mathLibrary(o.helpers.used),
    `@compute @workgroup_size(${o.workgroupSize})`,
    "fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) li: u32) {",
    ...o.body.map((l) => `  ${l}`),
    "}"
  ].join("\n");
}
export {
  Bases,
  GPU_TUNING,
  Helpers,
  SLOT_WORDS,
  SOFTWARE_TUNING,
  WG,
  grid,
  shader
};
