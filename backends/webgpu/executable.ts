/// <reference types="@webgpu/types" />
import type { DType } from "../../ir/dtype.js";
import { GraphgradError } from "../../ir/errors.js";
import type { Graph } from "../../ir/graph.js";
import { type CheckKernel, checkKernels, failedCheck, type KernelProgram } from "../../ir/kernel/index.js";
import { lowerToKernels } from "../../ir/kernel/index.js";
import { planBuffers } from "../../ir/kernel/index.js";
import { sizeOf } from "../../ir/shape.js";
import { isOwnedByLibrary, libraryTensor, Tensor } from "../../ir/tensor.js";
import type { Executable } from "../backend.js";
import { bindingCache, type ShapePlan, staticFeeds } from "../plan.js";
import { arenaLimit, programError } from "./limits.js";
import { type DeviceState, MAP_READ, USAGE } from "./device.js";
import { kernelDispatches } from "./kernels.js";
import { SLOT_WORDS } from "./shader.js";

/**
 * A compiled program on the GPU. Per binding of the symbolic dimensions: the graph lowered to
 * fused kernels, one arena buffer laid out by the liveness plan, one pipeline per kernel (compiled
 * once, shared by identical kernels) and one bind group. A run writes the feeds
 * (`queue.writeBuffer`), records every dispatch in one command encoder, copies the outputs out, and
 * maps a staging buffer asynchronously: nothing blocks the thread while the GPU works.
 *
 * Results stay on the device:
 * - `run` keeps a device copy of each output it returns, until the executable's next run; feeding
 *   one of those tensors (the very object) back — as a training loop feeds parameters and optimizer
 *   state — copies it on the device instead of uploading it again.
 * - `runOnDevice` returns outputs as DeviceTensors (nothing read back) and reads only the outputs
 *   asked for; DeviceTensors are accepted as feeds, so a loop can keep its whole state on the GPU.
 */

/** An output left on the GPU. */
export interface DeviceTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** The values, read back through an asynchronous map. */
  read(): Promise<Tensor>;
  /** Frees the device buffer now (otherwise when this object is garbage-collected). Reading or feeding it afterwards throws. */
  destroy(): void;
}

export interface DeviceRun {
  /** Every output, on the device. */
  readonly device: Readonly<Record<string, DeviceTensor>>;
  /** The outputs named in `read`, read back. */
  readonly read: Readonly<Record<string, Tensor>>;
}

export interface WebGpuProgramStats {
  /** Kernels after fusion, and the dispatches they became (empty kernels dispatch nothing). */
  readonly kernels: number;
  readonly dispatches: number;
  /** Peak bytes of the arena, and without reuse. */
  readonly arenaBytes: number;
  readonly unplannedBytes: number;
}

export interface WebGpuExecutable extends Executable {
  /** Runs with feeds that may be DeviceTensors; returns every output on the device and reads back those in `read`. */
  runOnDevice(feeds: ReadonlyMap<string, Tensor | DeviceTensor>, read?: readonly string[]): Promise<DeviceRun>;
  /** One entry per feed-shape binding compiled so far. */
  stats(): readonly WebGpuProgramStats[];
  /** The WGSL of every dispatch of the programs compiled so far (to read or debug). */
  shaders(): readonly string[];
}

interface Slot {
  readonly name: string;
  readonly offset: number;
  readonly bytes: number;
  readonly dtype: DType;
  readonly shape: readonly number[];
}

interface Instance {
  readonly arena: GPUBuffer;
  readonly bindGroup: GPUBindGroup;
  readonly basesGroup: GPUBindGroup;
  readonly steps: readonly { readonly pipeline: GPUComputePipeline; readonly groups: readonly [number, number, number] }[];
  readonly inputs: readonly Slot[];
  readonly outputs: readonly Slot[];
  /** The index checks, in program order, and their status words' slots (read back with every run). */
  readonly checks: readonly CheckKernel[];
  readonly status: readonly Slot[];
  readonly stats: WebGpuProgramStats;
  readonly code: readonly string[];
}

/** Words as the GPU holds them: float32 and int32 as they are, bools as int32 0/1. */
function words(t: Tensor): Float32Array<ArrayBuffer> | Int32Array<ArrayBuffer> {
  const d = t.data;
  if (d instanceof Float32Array || d instanceof Int32Array) {
    // writeBuffer takes no views of shared memory: copy those.
    return d.buffer instanceof ArrayBuffer ? (d as Float32Array<ArrayBuffer> | Int32Array<ArrayBuffer>) : d.slice();
  }
  if (t.data instanceof Uint8Array) return Int32Array.from(t.data);
  throw new GraphgradError("webgpu", `a ${t.dtype} feed cannot be used: WebGPU has no float64`);
}

function tensorOf(dtype: DType, shape: readonly number[], bytes: ArrayBuffer): Tensor {
  switch (dtype) {
    case "float32":
      return libraryTensor(dtype, shape, new Float32Array(bytes));
    case "int32":
      return libraryTensor(dtype, shape, new Int32Array(bytes));
    case "bool":
      return libraryTensor(dtype, shape, Uint8Array.from(new Int32Array(bytes)));
    case "float64":
      throw new GraphgradError("webgpu", "float64 is not supported");
  }
}

const RESULT_USAGE = USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST;
const STAGING_USAGE = USAGE.MAP_READ | USAGE.COPY_DST;

/** Copies `slots` of `src` into one staging buffer, submits `enc`, and maps it: the tensors, in the order of `copies`. */
async function readBack(state: DeviceState, enc: GPUCommandEncoder, copies: readonly { src: GPUBuffer; srcOffset: number; slot: Slot }[], before?: () => void): Promise<Tensor[]> {
  const total = copies.reduce((a, c) => a + c.slot.bytes, 0);
  const staging = total > 0 ? state.take(total, STAGING_USAGE) : undefined;
  let at = 0;
  const placed = copies.map((c) => {
    if (staging !== undefined && c.slot.bytes > 0) enc.copyBufferToBuffer(c.src, c.srcOffset, staging, at, c.slot.bytes);
    const p = { slot: c.slot, at };
    at += c.slot.bytes;
    return p;
  });
  state.device.queue.submit([enc.finish()]);
  before?.();
  const out: Tensor[] = [];
  const fail = (): void => {
    const errors = state.takeErrors();
    if (errors.length > 0) throw new GraphgradError("webgpu", `the GPU reported: ${errors.join("; ")}`);
  };
  if (staging !== undefined) {
    await staging.mapAsync(MAP_READ, 0, staging.size).catch((e: unknown) => {
      throw new GraphgradError("webgpu", `reading results back failed: ${e instanceof Error ? e.message : String(e)}; ${state.takeErrors().join("; ")}`);
    });
    const mapped = staging.getMappedRange(0, staging.size);
    for (const p of placed) out.push(tensorOf(p.slot.dtype, p.slot.shape, mapped.slice(p.at, p.at + p.slot.bytes)));
    staging.unmap();
    state.give(staging);
  } else {
    await state.device.queue.onSubmittedWorkDone();
    for (const p of placed) out.push(tensorOf(p.slot.dtype, p.slot.shape, new ArrayBuffer(0)));
  }
  fail();
  return out;
}

class GpuTensor implements DeviceTensor {
  private buf: GPUBuffer | undefined;
  constructor(
    readonly state: DeviceState,
    buffer: GPUBuffer,
    private readonly slot: Slot,
  ) {
    this.buf = buffer;
    RELEASE.register(this, { state, buffer }, this);
  }
  get dtype(): DType {
    return this.slot.dtype;
  }
  get shape(): readonly number[] {
    return this.slot.shape;
  }
  buffer(): GPUBuffer {
    if (this.buf === undefined) throw new GraphgradError("webgpu", "this DeviceTensor was destroyed");
    return this.buf;
  }
  read(): Promise<Tensor> {
    const enc = this.state.device.createCommandEncoder();
    return readBack(this.state, enc, [{ src: this.buffer(), srcOffset: 0, slot: this.slot }]).then((r) => r[0] as Tensor);
  }
  destroy(): void {
    if (this.buf === undefined) return;
    RELEASE.unregister(this);
    this.state.give(this.buf);
    this.buf = undefined;
  }
}

/** Result buffers of DeviceTensors that were collected without destroy() go back to their pool. */
const RELEASE = new FinalizationRegistry<{ state: DeviceState; buffer: GPUBuffer }>(({ state, buffer }) => state.give(buffer));

export async function compileWebGpu(graph: Graph, state: DeviceState): Promise<WebGpuExecutable> {
  for (const n of graph.nodes) {
    if (n.dtype === "float64") {
      throw new GraphgradError("webgpu", `${n.op} has dtype float64, which WebGPU does not have (WGSL has no f64): build the model in float32`);
    }
  }
  const all: Instance[] = [];
  /** Device copies kept by `run` until the next run: tensor -> buffer. */
  let kept: { tensor: Tensor; buffer: GPUBuffer }[] = [];

  const build = async (shapes: ShapePlan): Promise<Instance> => {
    const program: KernelProgram = lowerToKernels(graph, shapes.shapes, { epilogue: () => true, env: shapes.env });
    const plan = planBuffers(program, () => 4);
    const refused = programError(program, plan.bytes, arenaLimit(state.device.limits));
    if (refused !== undefined) throw refused;
    const checks = checkKernels(program.kernels);
    const dispatches = program.kernels.flatMap((k) => kernelDispatches(k, state.tuning));
    const pipelines = await Promise.all(dispatches.map((d) => state.pipeline(d)));
    const arena = state.device.createBuffer({ size: Math.max(16, plan.bytes), usage: RESULT_USAGE, label: "graphgrad arena" });
    // Each dispatch's buffer bases (first words in the arena), in a 256-byte slot of one uniform buffer.
    const bases = new Uint32Array(Math.max(1, dispatches.length) * SLOT_WORDS);
    dispatches.forEach((d, i) => d.buffers.forEach((id, slot) => (bases[i * SLOT_WORDS + slot] = (plan.offsets[id] as number) / 4 + (d.shifts?.[slot] ?? 0))));
    const basesBuffer = state.device.createBuffer({ size: bases.byteLength, usage: USAGE.UNIFORM | USAGE.COPY_DST, label: "graphgrad bases" });
    state.device.queue.writeBuffer(basesBuffer, 0, bases);
    for (const b of program.buffers) {
      if (b.role === "const" && b.data !== undefined && b.size > 0) {
        const data = b.dtype === "float32" ? Float32Array.from(b.data) : Int32Array.from(b.data, (v) => (b.dtype === "bool" ? (v !== 0 ? 1 : 0) : v));
        state.device.queue.writeBuffer(arena, plan.offsets[b.id] as number, data);
      }
    }
    const slot = (name: string, id: number, dtype: DType, shape: readonly number[]): Slot => ({ name, offset: plan.offsets[id] as number, bytes: sizeOf(shape) * 4, dtype, shape });
    const inst: Instance = {
      arena,
      bindGroup: state.device.createBindGroup({ layout: state.layout, entries: [{ binding: 0, resource: { buffer: arena } }] }),
      basesGroup: state.device.createBindGroup({ layout: state.basesLayout, entries: [{ binding: 0, resource: { buffer: basesBuffer, size: SLOT_WORDS * 4 } }] }),
      steps: dispatches.map((d, i) => ({ pipeline: pipelines[i] as GPUComputePipeline, groups: d.groups })),
      inputs: program.buffers.filter((b) => b.role === "input").map((b) => slot(b.name as string, b.id, b.dtype, [b.size])),
      outputs: Object.entries(program.outputs).map(([name, o]) => slot(name, o.buffer, o.dtype, o.shape)),
      checks,
      status: checks.map((k) => slot("status", k.status, "int32", [2])),
      stats: { kernels: program.kernels.length, dispatches: dispatches.length, arenaBytes: plan.bytes, unplannedBytes: plan.unplannedBytes },
      code: dispatches.map((d) => d.code),
    };
    all.push(inst);
    return inst;
  };

  const cached = bindingCache(graph, build);
  // Every shape known: build now, so that what the device cannot run is refused by compile.
  const known = staticFeeds(graph);
  if (known !== undefined) await cached(known);
  const instanceFor = (feeds: ReadonlyMap<string, Tensor | DeviceTensor>): Promise<Instance> => {
    if (state.lost !== undefined) throw new GraphgradError("webgpu", `the GPU device was lost (${state.lost})`);
    return cached(feeds);
  };

  /** Feeds in, every dispatch, and the outputs copied to fresh result buffers; the encoder is returned unsubmitted. */
  const record = (inst: Instance, feeds: ReadonlyMap<string, Tensor | DeviceTensor>): { enc: GPUCommandEncoder; results: GPUBuffer[] } => {
    const { device } = state;
    const enc = device.createCommandEncoder();
    for (const s of inst.inputs) {
      if (s.bytes === 0) continue;
      const f = feeds.get(s.name) as Tensor | DeviceTensor;
      if (f instanceof GpuTensor && f.state !== state) throw new GraphgradError(`feed '${s.name}'`, "a DeviceTensor of another backend value (another device) cannot be fed here: read() it first");
      // Only tensors this library returned are kept on the device: a caller's array is uploaded every run.
      const onDevice = f instanceof GpuTensor ? f.buffer() : f instanceof Tensor && isOwnedByLibrary(f) ? state.resident.get(f) : undefined;
      if (onDevice !== undefined) enc.copyBufferToBuffer(onDevice, 0, inst.arena, s.offset, s.bytes);
      else if (f instanceof Tensor) device.queue.writeBuffer(inst.arena, s.offset, words(f));
      else throw new GraphgradError(`feed '${s.name}'`, "not a Tensor or a DeviceTensor of this backend");
    }
    // Each check's status words start at zero: a failing check writes them once.
    for (const s of inst.status) enc.clearBuffer(inst.arena, s.offset, s.bytes);
    const pass = enc.beginComputePass();
    pass.setBindGroup(0, inst.bindGroup);
    for (const [i, st] of inst.steps.entries()) {
      pass.setBindGroup(1, inst.basesGroup, [i * SLOT_WORDS * 4]);
      pass.setPipeline(st.pipeline);
      pass.dispatchWorkgroups(st.groups[0], st.groups[1], st.groups[2]);
    }
    pass.end();
    const results = inst.outputs.map((s) => {
      const b = state.take(s.bytes, RESULT_USAGE);
      if (s.bytes > 0) enc.copyBufferToBuffer(inst.arena, s.offset, b, 0, s.bytes);
      return b;
    });
    return { enc, results };
  };

  /** Throws the error of the first failed check (the run's result buffers go back to the pool). */
  const failIfChecked = (inst: Instance, status: readonly Tensor[], results: readonly GPUBuffer[]): void => {
    const error = failedCheck(inst.checks, (b) => (status[inst.checks.findIndex((k) => k.status === b)] as Tensor).data);
    if (error === undefined) return;
    for (const r of results) state.give(r);
    throw error;
  };

  /** Releases the device copies of the previous runs: called once this run's reads of them are submitted. */
  const recycle = (): void => {
    for (const k of kept) {
      state.resident.delete(k.tensor);
      state.give(k.buffer);
    }
    kept = [];
  };

  return {
    backend: "webgpu",
    graph,
    stats: () => all.map((i) => i.stats),
    shaders: () => all.flatMap((i) => i.code),
    run: async (feeds) => {
      const inst = await instanceFor(feeds);
      const { enc, results } = record(inst, feeds);
      const copies = [...inst.outputs, ...inst.status].map((slot) => ({ src: inst.arena, srcOffset: slot.offset, slot }));
      const read = await readBack(state, enc, copies, recycle);
      failIfChecked(inst, read.slice(inst.outputs.length), results);
      const out: Record<string, Tensor> = {};
      inst.outputs.forEach((s, i) => {
        const t = read[i] as Tensor;
        const buffer = results[i] as GPUBuffer;
        out[s.name] = t;
        state.resident.set(t, buffer);
        kept.push({ tensor: t, buffer });
      });
      return out;
    },
    runOnDevice: async (feeds, read = []) => {
      const inst = await instanceFor(feeds);
      for (const name of read) {
        if (!inst.outputs.some((s) => s.name === name)) throw new GraphgradError("runOnDevice", `no output named '${name}' (outputs: ${inst.outputs.map((s) => s.name).join(", ")})`);
      }
      const { enc, results } = record(inst, feeds);
      const wanted = inst.outputs.filter((s) => read.includes(s.name));
      const copies = [...wanted, ...inst.status].map((slot) => ({ src: inst.arena, srcOffset: slot.offset, slot }));
      const back = await readBack(state, enc, copies);
      failIfChecked(inst, back.slice(wanted.length), results);
      const device: Record<string, DeviceTensor> = {};
      inst.outputs.forEach((s, i) => (device[s.name] = new GpuTensor(state, results[i] as GPUBuffer, s)));
      return { device, read: Object.fromEntries(wanted.map((s, i) => [s.name, back[i] as Tensor])) };
    },
  };
}
