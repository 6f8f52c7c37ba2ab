import { allocate } from "../../ir/dtype.js";
import { lowerToKernels, planBuffers } from "../../ir/kernel/index.js";
import { randomElement } from "../../ir/random.js";
import { Tensor } from "../../ir/tensor.js";
import { feedMap, inputDtypes } from "../backend.js";
import { GraphgradError } from "../../ir/errors.js";
import { shapesEqual, sizeOf } from "../../ir/shape.js";
import { bindingCache } from "../plan.js";
import { BYTES } from "./expr.js";
import { assemble } from "./module.js";
import { epilogueSupported } from "./matmul.js";
import { HOST_MATH_NAMES, hostMath } from "./emit-ops.js";
import { RANDOM_DISTS, RANDOM_DTYPES } from "./kernels.js";
import { detectRelaxedSimd } from "./features.js";
import { createWorkerPool } from "./threads.js";
const MAX_SHARED_PAGES = 32768;
function copyInto(dst, src) {
  if (src.length <= SMALL || src instanceof Uint8Array) for (let i = 0; i < src.length; i++) dst[i] = src[i];
  else dst.set(src);
}
const SMALL = 16;
const HOST_MATH_CHECK = Object.fromEntries(HOST_MATH_NAMES.map((name, i) => [name, i]));
function wasm(options = {}) {
  let pool;
  const poolOf = (threads) => pool ??= threads > 1 ? createWorkerPool(threads - 1) : Promise.resolve(void 0);
  return {
    name: "wasm",
    compile: async (graph, hints) => {
      const threads = Math.max(1, Math.floor(options.threads ?? await defaultThreads()));
      const shared = threads > 1 && typeof SharedArrayBuffer !== "undefined";
      const feedback = Object.entries(hints?.feedback ?? {}).map(([output, input]) => ({ output, input }));
      return compileWasm(graph, { fma: options.relaxedSimd ?? await detectRelaxedSimd(), pool: shared ? await poolOf(threads) : void 0, feedback });
    }
  };
}
async function defaultThreads() {
  const nav = globalThis.navigator;
  if (nav?.hardwareConcurrency !== void 0) return Math.min(8, nav.hardwareConcurrency);
  try {
    const os = await import("node:os");
    return Math.min(8, os.availableParallelism());
  } catch {
    return 1;
  }
}
let nextInstanceId = 0;
function view(memory, d, at, n) {
  if (d === "float32") return new Float32Array(memory.buffer, at, n);
  if (d === "float64") return new Float64Array(memory.buffer, at, n);
  return new Int32Array(memory.buffer, at, n);
}
async function compileWasm(graph, o) {
  const pool = o.pool;
  const memory = pool !== void 0 ? new WebAssembly.Memory({ initial: 1, maximum: MAX_SHARED_PAGES, shared: true }) : new WebAssembly.Memory({ initial: 1 });
  const threads = pool === void 0 ? 1 : pool.size + 1;
  const all = [];
  let last;
  const imports = {
    env: { memory },
    m: {
      ...hostMath(),
      random: (keyAt, outAt, size, dist, dtype) => {
        const key = new Int32Array(memory.buffer, keyAt, 2);
        const d = RANDOM_DTYPES[dtype];
        const out = view(memory, d, outAt, size);
        const k0 = key[0] >>> 0;
        const k1 = key[1] >>> 0;
        const kind = RANDOM_DISTS[dist];
        for (let i = 0; i < size; i++) out[i] = randomElement(k0, k1, i, kind);
      }
    }
  };
  const build = async (shapes) => {
    const program = lowerToKernels(graph, shapes.shapes, { epilogue: (e, d) => epilogueSupported(e, d, HOST_MATH_CHECK) });
    const plan = planBuffers(program, (d) => BYTES[d], o.feedback);
    const mod = assemble(program, plan, { fma: o.fma, threads, sharedMemory: pool !== void 0, maxPages: MAX_SHARED_PAGES });
    const need = Math.ceil(mod.memoryBytes / 65536);
    const have = memory.buffer.byteLength / 65536;
    if (need > have) memory.grow(need - have);
    const module = await WebAssembly.compile(mod.bytes);
    const instance = await WebAssembly.instantiate(module, imports);
    const fn = (name) => instance.exports[name];
    const id = nextInstanceId++;
    const partNames = mod.schedule.flatMap((st) => st.kind === "parallel" ? st.parts.slice(1) : []);
    if (pool !== void 0 && partNames.length > 0) pool.load(id, module, memory, partNames);
    const steps = mod.schedule.map((st) => {
      if (st.kind === "segment") return fn(st.name);
      const own = fn(st.parts[0]);
      const index = st.parts.slice(1).map((n) => partNames.indexOf(n));
      const p = pool;
      let counters = new Int32Array(memory.buffer, st.countersAt, st.counters);
      return () => {
        if (counters.buffer !== memory.buffer) counters = new Int32Array(memory.buffer, st.countersAt, st.counters);
        counters.fill(0);
        p.start(id, index);
        own();
        p.wait();
      };
    });
    const run = steps.length === 1 ? steps[0] : () => steps.forEach((s) => s());
    const stats = { kernels: program.kernels.length, arenaBytes: plan.bytes, unplannedBytes: plan.unplannedBytes, moduleBytes: mod.bytes.length, threads, parallelKernels: mod.schedule.filter((s) => s.kind === "parallel").length, aliased: plan.aliased.length };
    all.push(stats);
    return { program, plan, run, stats };
  };
  const writeConst = (inst, id, data) => {
    const b = inst.program.buffers[id];
    if (b === void 0 || b.size === 0) return;
    view(memory, b.dtype, inst.plan.offsets[id], b.size).set(data);
  };
  const instanceFor = bindingCache(graph, build);
  const activate = (inst) => {
    let io = inst.io;
    if (io === void 0 || io.memory !== memory.buffer) {
      const at = (id) => inst.plan.offsets[id];
      const inputs = new Map(inst.program.buffers.filter((b) => b.role === "input").map((b) => [b.name, { view: view(memory, b.dtype, at(b.id), b.size), held: void 0 }]));
      const outputs = new Map(Object.entries(inst.program.outputs).map(([name, o2]) => [name, { view: view(memory, o2.dtype, at(o2.buffer), sizeOf(o2.shape)), out: o2, shape: Object.freeze([...o2.shape]) }]));
      const aliases = inst.plan.aliased.map((a) => ({ output: a.output, slot: inputs.get(a.input) }));
      io = { memory: memory.buffer, inputs, outputs, aliases };
      inst.io = io;
    }
    if (last !== inst) {
      for (const slot of io.inputs.values()) slot.held = void 0;
      for (const b of inst.program.buffers) if (b.role === "const" && b.data !== void 0) writeConst(inst, b.id, b.data);
      last = inst;
    }
    return io;
  };
  const writeInput = (slot, t) => {
    if (slot.held === t) return;
    slot.held = t;
    copyInto(slot.view, t.data);
  };
  const readOutput = (o2, into) => {
    if (into !== void 0 && into.dtype === o2.out.dtype && into.data.length === o2.view.length && o2.out.dtype !== "bool") {
      copyInto(into.data, o2.view);
      return new Tensor(o2.out.dtype, o2.shape, into.data);
    }
    if (o2.out.dtype !== "bool") return new Tensor(o2.out.dtype, o2.shape, o2.view.slice());
    const data = allocate("bool", o2.view.length);
    copyInto(data, o2.view);
    return new Tensor("bool", o2.shape, data);
  };
  const runWith = (inst, feeds) => {
    const io = activate(inst);
    for (const [name, slot] of io.inputs) writeInput(slot, feeds.get(name));
    inst.run();
    return io;
  };
  return {
    backend: "wasm",
    graph,
    stats: () => all,
    run: async (feeds) => {
      const io = runWith(await instanceFor(feeds), feeds);
      const result = {};
      for (const [name, o2] of io.outputs) result[name] = readOutput(o2, void 0);
      for (const a of io.aliases) a.slot.held = result[a.output];
      return result;
    },
    bind: (inputs, outputs) => {
      for (const name of [...outputs.tensors, ...outputs.scalars]) {
        if (graph.outputs[name] === void 0) throw new GraphgradError("wasm", `no output named '${name}' (outputs: ${Object.keys(graph.outputs).join(", ")})`);
      }
      const dtypes = inputDtypes(graph, inputs);
      let fast;
      const read = (outs, reuse, slots) => {
        const tensors = new Array(outs.length);
        for (let i = 0; i < outs.length; i++) tensors[i] = readOutput(outs[i], reuse?.[i]);
        if (reuse !== void 0) {
          for (const slot of slots) if (slot !== void 0 && slot.held !== void 0 && reuse.includes(slot.held)) slot.held = void 0;
        }
        return tensors;
      };
      const slow = async (feeds, given) => {
        const map = feedMap(inputs, dtypes, feeds);
        const reuse = given?.slice();
        const inst = await instanceFor(map);
        const io = runWith(inst, map);
        const scalars = outputs.scalars.map((n) => io.outputs.get(n));
        for (const [k, o2] of scalars.entries()) if (o2.view.length !== 1) throw new GraphgradError("wasm", `output '${outputs.scalars[k]}' is bound as a number but has shape [${o2.shape.join(",")}]`);
        const tensors = outputs.tensors.map((n) => io.outputs.get(n));
        const aliases = io.aliases.map((a) => ({ slot: a.slot, tensor: outputs.tensors.indexOf(a.output) }));
        fast = { inst, memory: io.memory, shapes: inputs.map((n) => map.get(n).shape), ins: inputs.map((n) => io.inputs.get(n)), tensors, scalars, aliases };
        const read1 = read(tensors, reuse, io.inputs.values());
        for (const a of aliases) a.slot.held = read1[a.tensor];
        return { tensors: read1, scalars: scalars.map((o2) => o2.view[0]) };
      };
      return (feeds, reuse) => {
        const f = fast;
        if (f === void 0 || f.inst !== last || f.memory.byteLength === 0 || feeds.length !== inputs.length) return slow(feeds, reuse);
        for (let i = 0; i < feeds.length; i++) {
          const t = feeds[i];
          const want = f.shapes[i];
          if (typeof t === "number") {
            if (want.length !== 0) return slow(feeds, reuse);
          } else if (t.dtype !== dtypes[i] || t.shape !== want && !shapesEqual(t.shape, want)) return slow(feeds, reuse);
        }
        for (let i = 0; i < feeds.length; i++) {
          const slot = f.ins[i];
          if (slot === void 0) continue;
          const t = feeds[i];
          if (typeof t === "number") {
            slot.held = void 0;
            slot.view[0] = dtypes[i] === "bool" ? t !== 0 ? 1 : 0 : t;
          } else writeInput(slot, t);
        }
        f.inst.run();
        const scalars = new Array(f.scalars.length);
        for (let i = 0; i < scalars.length; i++) scalars[i] = f.scalars[i].view[0];
        const tensors = read(f.tensors, reuse, f.ins);
        for (const a of f.aliases) a.slot.held = tensors[a.tensor];
        return { tensors, scalars };
      };
    }
  };
}
export {
  wasm
};
