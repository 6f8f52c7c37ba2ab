import { GraphgradError } from "../../ir/errors.js";
import { lowerToKernels } from "../../ir/kernel/index.js";
import { planBuffers } from "../../ir/kernel/index.js";
import { sizeOf } from "../../ir/shape.js";
import { Tensor } from "../../ir/tensor.js";
import { bindingCache } from "../plan.js";
import { MAP_READ, USAGE } from "./device.js";
import { kernelDispatch } from "./kernels.js";
import { SLOT_WORDS } from "./shader.js";
function words(t) {
  const d = t.data;
  if (d instanceof Float32Array || d instanceof Int32Array) {
    return d.buffer instanceof ArrayBuffer ? d : d.slice();
  }
  if (t.data instanceof Uint8Array) return Int32Array.from(t.data);
  throw new GraphgradError("webgpu", `a ${t.dtype} feed cannot be used: WebGPU has no float64`);
}
function tensorOf(dtype, shape, bytes) {
  switch (dtype) {
    case "float32":
      return new Tensor(dtype, shape, new Float32Array(bytes));
    case "int32":
      return new Tensor(dtype, shape, new Int32Array(bytes));
    case "bool":
      return new Tensor(dtype, shape, Uint8Array.from(new Int32Array(bytes)));
    case "float64":
      throw new GraphgradError("webgpu", "float64 is not supported");
  }
}
const RESULT_USAGE = USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST;
const STAGING_USAGE = USAGE.MAP_READ | USAGE.COPY_DST;
async function readBack(state, enc, copies, before) {
  const total = copies.reduce((a, c) => a + c.slot.bytes, 0);
  const staging = total > 0 ? state.take(total, STAGING_USAGE) : void 0;
  let at = 0;
  const placed = copies.map((c) => {
    if (staging !== void 0 && c.slot.bytes > 0) enc.copyBufferToBuffer(c.src, c.srcOffset, staging, at, c.slot.bytes);
    const p = { slot: c.slot, at };
    at += c.slot.bytes;
    return p;
  });
  state.device.queue.submit([enc.finish()]);
  before?.();
  const out = {};
  const fail = () => {
    const errors = state.takeErrors();
    if (errors.length > 0) throw new GraphgradError("webgpu", `the GPU reported: ${errors.join("; ")}`);
  };
  if (staging !== void 0) {
    await staging.mapAsync(MAP_READ, 0, staging.size).catch((e) => {
      throw new GraphgradError("webgpu", `reading results back failed: ${e instanceof Error ? e.message : String(e)}; ${state.takeErrors().join("; ")}`);
    });
    const mapped = staging.getMappedRange(0, staging.size);
    for (const p of placed) out[p.slot.name] = tensorOf(p.slot.dtype, p.slot.shape, mapped.slice(p.at, p.at + p.slot.bytes));
    staging.unmap();
    state.give(staging);
  } else {
    await state.device.queue.onSubmittedWorkDone();
    for (const p of placed) out[p.slot.name] = tensorOf(p.slot.dtype, p.slot.shape, new ArrayBuffer(0));
  }
  fail();
  return out;
}
class GpuTensor {
  constructor(state, buffer, slot) {
    this.state = state;
    this.slot = slot;
    this.buf = buffer;
    RELEASE.register(this, { state, buffer }, this);
  }
  state;
  slot;
  buf;
  get dtype() {
    return this.slot.dtype;
  }
  get shape() {
    return this.slot.shape;
  }
  buffer() {
    if (this.buf === void 0) throw new GraphgradError("webgpu", "this DeviceTensor was destroyed");
    return this.buf;
  }
  read() {
    const enc = this.state.device.createCommandEncoder();
    return readBack(this.state, enc, [{ src: this.buffer(), srcOffset: 0, slot: { ...this.slot, name: "value" } }]).then((r) => r["value"]);
  }
  destroy() {
    if (this.buf === void 0) return;
    RELEASE.unregister(this);
    this.state.give(this.buf);
    this.buf = void 0;
  }
}
const RELEASE = new FinalizationRegistry(({ state, buffer }) => state.give(buffer));
async function compileWebGpu(graph, state) {
  for (const n of graph.nodes) {
    if (n.dtype === "float64") {
      throw new GraphgradError("webgpu", `${n.op} has dtype float64, which WebGPU does not have (WGSL has no f64): build the model in float32`);
    }
  }
  const all = [];
  let kept = [];
  const build = async (shapes) => {
    const program = lowerToKernels(graph, shapes.shapes, { epilogue: () => true });
    const plan = planBuffers(program, () => 4);
    const dispatches = program.kernels.flatMap((k) => kernelDispatch(k, state.tuning) ?? []);
    const pipelines = await Promise.all(dispatches.map((d) => state.pipeline(d)));
    const arena = state.device.createBuffer({ size: Math.max(16, plan.bytes), usage: RESULT_USAGE, label: "graphgrad arena" });
    const bases = new Uint32Array(Math.max(1, dispatches.length) * SLOT_WORDS);
    dispatches.forEach((d, i) => d.buffers.forEach((id, slot2) => bases[i * SLOT_WORDS + slot2] = plan.offsets[id] / 4));
    const basesBuffer = state.device.createBuffer({ size: bases.byteLength, usage: USAGE.UNIFORM | USAGE.COPY_DST, label: "graphgrad bases" });
    state.device.queue.writeBuffer(basesBuffer, 0, bases);
    for (const b of program.buffers) {
      if (b.role === "const" && b.data !== void 0 && b.size > 0) {
        const data = b.dtype === "float32" ? Float32Array.from(b.data) : Int32Array.from(b.data, (v) => b.dtype === "bool" ? v !== 0 ? 1 : 0 : v);
        state.device.queue.writeBuffer(arena, plan.offsets[b.id], data);
      }
    }
    const slot = (name, id, dtype, shape) => ({ name, offset: plan.offsets[id], bytes: sizeOf(shape) * 4, dtype, shape });
    const inst = {
      arena,
      bindGroup: state.device.createBindGroup({ layout: state.layout, entries: [{ binding: 0, resource: { buffer: arena } }] }),
      basesGroup: state.device.createBindGroup({ layout: state.basesLayout, entries: [{ binding: 0, resource: { buffer: basesBuffer, size: SLOT_WORDS * 4 } }] }),
      steps: dispatches.map((d, i) => ({ pipeline: pipelines[i], groups: d.groups })),
      inputs: program.buffers.filter((b) => b.role === "input").map((b) => slot(b.name, b.id, b.dtype, [b.size])),
      outputs: Object.entries(program.outputs).map(([name, o]) => slot(name, o.buffer, o.dtype, o.shape)),
      stats: { kernels: program.kernels.length, dispatches: dispatches.length, arenaBytes: plan.bytes, unplannedBytes: plan.unplannedBytes },
      code: dispatches.map((d) => d.code)
    };
    all.push(inst);
    return inst;
  };
  const cached = bindingCache(graph, build);
  const instanceFor = (feeds) => {
    if (state.lost !== void 0) throw new GraphgradError("webgpu", `the GPU device was lost (${state.lost})`);
    return cached(feeds);
  };
  const record = (inst, feeds) => {
    const { device } = state;
    const enc = device.createCommandEncoder();
    for (const s of inst.inputs) {
      if (s.bytes === 0) continue;
      const f = feeds.get(s.name);
      if (f instanceof GpuTensor && f.state !== state) throw new GraphgradError(`feed '${s.name}'`, "a DeviceTensor of another backend value (another device) cannot be fed here: read() it first");
      const onDevice = f instanceof GpuTensor ? f.buffer() : f instanceof Tensor ? state.resident.get(f) : void 0;
      if (onDevice !== void 0) enc.copyBufferToBuffer(onDevice, 0, inst.arena, s.offset, s.bytes);
      else if (f instanceof Tensor) device.queue.writeBuffer(inst.arena, s.offset, words(f));
      else throw new GraphgradError(`feed '${s.name}'`, "not a Tensor or a DeviceTensor of this backend");
    }
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
  const recycle = () => {
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
      const copies = inst.outputs.map((slot) => ({ src: inst.arena, srcOffset: slot.offset, slot }));
      const out = await readBack(state, enc, copies, recycle);
      inst.outputs.forEach((s, i) => {
        const t = out[s.name];
        const buffer = results[i];
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
      const device = {};
      inst.outputs.forEach((s, i) => device[s.name] = new GpuTensor(state, results[i], s));
      const copies = inst.outputs.filter((s) => read.includes(s.name)).map((slot) => ({ src: inst.arena, srcOffset: slot.offset, slot }));
      return { device, read: await readBack(state, enc, copies) };
    }
  };
}
export {
  compileWebGpu
};
