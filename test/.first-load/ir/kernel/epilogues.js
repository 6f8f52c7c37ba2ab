import { exprLoads, kernelReads, kernelWrites, mapLoads } from "./program.js";
function fuseEpilogues(p, accept) {
  const kernels = [...p.kernels];
  const outputBuffers = new Set(Object.values(p.outputs).map((o) => o.buffer));
  const lastWriter = /* @__PURE__ */ new Map();
  const writers = /* @__PURE__ */ new Map();
  kernels.forEach((k, i) => {
    if (k === void 0) return;
    const w = kernelWrites(k);
    lastWriter.set(w, i);
    writers.set(w, (writers.get(w) ?? 0) + 1);
  });
  const tryFuse = (mm, ki) => {
    if (mm === void 0 || mm.kind !== "matmul" || mm.aOffsets.length !== 1 || outputBuffers.has(mm.out)) return false;
    const readers = kernels.flatMap((k, i) => k !== void 0 && kernelReads(k).includes(mm.out) ? [i] : []);
    const ri = readers[0];
    if (readers.length !== 1 || ri === void 0) return false;
    const map = kernels[ri];
    if (map === void 0 || map.kind !== "map" || map.shape.length !== 2 || map.shape[0] !== mm.m || map.shape[1] !== mm.n) return false;
    if (map.out.offset !== 0 || map.out.strides[0] !== mm.n || map.out.strides[1] !== 1 || writers.get(map.out.buffer) !== 1) return false;
    const identity = (a) => a.buffer !== mm.out || a.offset === 0 && a.strides[0] === mm.n && a.strides[1] === 1;
    const loads = exprLoads(map.expr);
    if (!loads.every(identity)) return false;
    const ready = loads.every((a) => a.buffer === mm.out || (lastWriter.get(a.buffer) ?? -1) < ki);
    const inner = mm.epilogue ?? { kind: "acc", dtype: mm.dtype };
    const expr = mapLoads(map.expr, (load) => load.access.buffer === mm.out ? inner : load);
    if (!ready || !accept(expr, map.dtype)) return false;
    kernels[ki] = { ...mm, out: map.out.buffer, epilogue: expr, outDtype: map.dtype };
    kernels[ri] = void 0;
    return true;
  };
  for (let ki = 0; ki < kernels.length; ki++) {
    while (tryFuse(kernels[ki], ki)) {
    }
  }
  return { ...p, kernels: kernels.filter((k) => k !== void 0) };
}
export {
  fuseEpilogues
};
