import { FunctionBuilder, ModuleBuilder, uleb } from "./encoder.js";
import { I, VOID } from "./opcodes.js";
import { HOST_MATH, HOST_MATH_NAMES } from "./emit-ops.js";
import { genGather, genIota, genMap, genRandom, genReduce, genScatterAdd } from "./kernels.js";
import { genMatmulBody, genMatmulKernel, packBytes, panels } from "./matmul.js";
const PARALLEL_MIN_MACS = 1 << 21;
const GENERATORS = {
  map: genMap,
  reduce: genReduce,
  gather: genGather,
  scatterAdd: genScatterAdd,
  iota: genIota,
  random: genRandom
};
const PARALLEL_MIN_ELEMENTS = 1 << 18;
function splittableMap(k, threads) {
  return threads > 1 && k.kind === "map" && (k.shape[0] ?? 0) >= 2 * threads && k.shape.reduce((a, b) => a * b, 1) >= PARALLEL_MIN_ELEMENTS;
}
const MAP_CHUNKS_PER_THREAD = 4;
function chunkLoop(chunks, counter) {
  const f = new FunctionBuilder([], []);
  const c = f.local("i32");
  const n = chunks.length;
  f.counterLoop(c, counter, 1, n, () => {
    for (let k = 0; k < n; k++) f.op(I.block, VOID);
    f.get(c).op(I.br_table);
    uleb(n, f.code);
    for (let k = 0; k < n; k++) uleb(k, f.code);
    uleb(n - 1, f.code);
    for (let k = 0; k < n; k++) {
      f.op(I.end);
      f.call(chunks[k]);
      f.op(I.br, n - 1 - k);
    }
  });
  return f;
}
function mapRows(k, begin, end) {
  const shift = (a) => ({ ...a, offset: a.offset + begin * (a.strides[0] ?? 0) });
  const walk = (e) => e.kind === "load" ? { ...e, access: shift(e.access) } : e.kind === "op" ? { ...e, args: e.args.map(walk) } : e;
  return { ...k, shape: [end - begin, ...k.shape.slice(1)], out: shift(k.out), expr: walk(k.expr) };
}
function splittable(k, threads) {
  return threads > 1 && k.kind === "matmul" && k.dtype === "float32" && k.m * k.n * k.k * k.aOffsets.length >= PARALLEL_MIN_MACS && panels(k) >= 2 * threads;
}
function assemble(p, plan, o) {
  const mb = new ModuleBuilder();
  const math = Object.fromEntries(
    HOST_MATH_NAMES.map((name) => [name, mb.importFunction({ module: "m", name, params: new Array(HOST_MATH[name]).fill("f64"), results: ["f64"] })])
  );
  const randomImport = mb.importFunction({ module: "m", name: "random", params: ["i32", "i32", "i32", "i32", "i32"], results: [] });
  mb.setMemory(1, o.sharedMemory, o.sharedMemory ? o.maxPages : void 0);
  const scratchBase = Math.ceil(plan.bytes / 64) * 64;
  const parallel = p.kernels.map((k) => splittable(k, o.threads));
  const parts = (i) => parallel[i] === true ? o.threads : 1;
  const scratchBytes = Math.ceil(Math.max(16, ...p.kernels.map((k, i) => k.kind === "matmul" ? packBytes(k, parts(i)) : 0)) / 64) * 64;
  const scratchOf = (t) => scratchBase + t * scratchBytes;
  const countersAt = scratchOf(o.threads);
  const counters = Math.max(1, ...p.kernels.map((k, i) => parallel[i] === true && k.kind === "matmul" ? k.aOffsets.length : 0));
  const addr = (b) => plan.offsets[b];
  const g = { addr, math, randomImport };
  const schedule = [];
  let segment = [];
  const flush = () => {
    if (segment.length === 0) return;
    const f = new FunctionBuilder([], []);
    for (const fn of segment) f.call(fn);
    const name = `s${schedule.length}`;
    mb.exportFunction(name, mb.addFunction(f));
    schedule.push({ kind: "segment", name });
    segment = [];
  };
  p.kernels.forEach((k, i) => {
    if (splittableMap(k, o.threads)) {
      flush();
      const rows = k.shape[0];
      const count = Math.min(rows, MAP_CHUNKS_PER_THREAD * o.threads);
      const chunks = Array.from({ length: count }, (_, c) => mb.addFunction(genMap(mapRows(k, Math.floor(rows * c / count), Math.floor(rows * (c + 1) / count)), g)));
      const names2 = Array.from({ length: o.threads }, (_, t) => {
        const name = `p${i}_${t}`;
        mb.exportFunction(name, mb.addFunction(chunkLoop(chunks, countersAt)));
        return name;
      });
      schedule.push({ kind: "parallel", parts: names2, countersAt, counters: 1 });
      return;
    }
    if (k.kind !== "matmul") {
      segment.push(mb.addFunction(GENERATORS[k.kind](k, g)));
      return;
    }
    const body = mb.addFunction(genMatmulBody(k, { fma: o.fma, addr, math }));
    if (parallel[i] !== true) {
      segment.push(mb.addFunction(genMatmulKernel(k, addr, body, 0, 1, scratchOf(0), countersAt)));
      return;
    }
    flush();
    const names = Array.from({ length: o.threads }, (_, t) => {
      const name = `p${i}_${t}`;
      mb.exportFunction(name, mb.addFunction(genMatmulKernel(k, addr, body, t, o.threads, scratchOf(t), countersAt)));
      return name;
    });
    schedule.push({ kind: "parallel", parts: names, countersAt, counters: k.aOffsets.length });
  });
  flush();
  return { bytes: mb.encode(), memoryBytes: Math.ceil((countersAt + counters * 4) / 64) * 64, schedule };
}
export {
  assemble
};
