import { GraphgradError } from "../../ir/errors.js";
import { ARENA_DECL } from "./expr.js";
import { type Helper, mathLibrary } from "./math.js";

/** One compute dispatch: its WGSL source, workgroup counts, and the buffers whose first words it reads from its uniform. */
export interface Dispatch {
  readonly label: string;
  readonly code: string;
  readonly groups: readonly [number, number, number];
  readonly buffers: readonly number[];
  /** Words added to each buffer's base (a loop's copies at step i share one shader this way). */
  readonly shifts?: readonly number[];
}

/**
 * Kernel shapes that depend on the device. matmul: a workgroup computes a `block`² tile of the
 * product, each invocation a `perThread`² part of it. SwiftShader compiles a 256-invocation
 * workgroup with barriers in about a second, so software adapters get 8×8 blocks (1 per invocation).
 */
export interface KernelTuning {
  readonly matmul: { readonly block: number; readonly perThread: number };
}

export const GPU_TUNING: KernelTuning = { matmul: { block: 16, perThread: 2 } };
export const SOFTWARE_TUNING: KernelTuning = { matmul: { block: 8, perThread: 1 } };

/** Threads per workgroup of the one-dimensional kernels. */
export const WG = 64;

const MAX_GROUPS = 65535;

/** Workgroup counts for `n` workgroups (x at most 65535, the rest on y) and the x count. */
export function grid(n: number): { groups: [number, number, number]; gx: number } {
  const gx = Math.max(1, Math.min(n, MAX_GROUPS));
  return { groups: [gx, Math.ceil(n / gx), 1], gx };
}

/** Collects the library functions a kernel uses. */
export class Helpers {
  readonly used = new Set<Helper>();
  readonly use = (h: Helper): string => {
    this.used.add(h);
    return h.name;
  };
}

/** The buffers a kernel addresses: each one's first word in the arena comes from the uniform `p` (slot order). */
export class Bases {
  readonly ids: number[] = [];
  readonly of = (id: number): string => {
    let slot = this.ids.indexOf(id);
    if (slot < 0) {
      slot = this.ids.length;
      this.ids.push(id);
    }
    return `p[${slot >> 2}].${"xyzw"[slot & 3] as string}`;
  };
}

/** Uniform words per dispatch slot (256 bytes: WebGPU's dynamic-offset alignment). */
export const SLOT_WORDS = 64;

/** A complete shader: the arena, the bases uniform, workgroup declarations, library functions and the entry point. */
export function shader(o: { helpers: Helpers; bases: Bases; decls?: readonly string[]; workgroupSize: string; body: readonly string[] }): string {
  const slots = o.bases.ids.length;
  if (slots > SLOT_WORDS) {
    throw new GraphgradError("webgpu", `a fused kernel reads ${slots} buffers (inputs and stored values), more than the ${SLOT_WORDS} one WebGPU kernel addresses here; gather the inputs first (gg.sum(gg.stack(xs), 0) rather than a chain of adds)`);
  }
  return [
    ARENA_DECL,
    ...(slots > 0 ? [`@group(1) @binding(0) var<uniform> p: array<vec4<u32>, ${Math.ceil(slots / 4)}>;`] : []),
    ...(o.decls ?? []),
    mathLibrary(o.helpers.used),
    `@compute @workgroup_size(${o.workgroupSize})`,
    "fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) li: u32) {",
    ...o.body.map((l) => `  ${l}`),
    "}",
  ].join("\n");
}
