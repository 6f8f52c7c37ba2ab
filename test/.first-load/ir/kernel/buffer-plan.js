import { exprLoads, kernelReads, kernelWrites } from "./program.js";
const ALIGN = 16;
function planBuffers(p, bytesPerElement, aliases = []) {
  const n = p.buffers.length;
  const end = p.kernels.length;
  const first = new Array(n).fill(Infinity);
  const last = new Array(n).fill(-1);
  for (const b of p.buffers) {
    if (b.role !== "temp") {
      first[b.id] = -1;
      last[b.id] = Math.max(last[b.id], -1);
    }
    if (b.role === "const" || b.role === "input") last[b.id] = end;
  }
  p.kernels.forEach((k, i) => {
    const w = kernelWrites(k);
    first[w] = Math.min(first[w], i);
    last[w] = Math.max(last[w], i);
    for (const r of kernelReads(k)) last[r] = Math.max(last[r], i);
  });
  for (const o of Object.values(p.outputs)) last[o.buffer] = end;
  const over = /* @__PURE__ */ new Map();
  const aliased = [];
  for (const a of aliases) {
    const o = p.outputs[a.output]?.buffer;
    const i = p.buffers.find((b) => b.role === "input" && b.name === a.input)?.id;
    if (o === void 0 || i === void 0 || over.has(o) || [...over.values()].includes(i)) continue;
    if (canAlias(p, o, i, first[o], bytesPerElement)) {
      over.set(o, i);
      aliased.push(a);
    }
  }
  const sizeOf = (id) => {
    const b = p.buffers[id];
    if (b === void 0) return 0;
    return Math.ceil(b.size * bytesPerElement(b.dtype) / ALIGN) * ALIGN;
  };
  const order = p.buffers.map((b) => b.id).filter((id) => first[id] !== Infinity && !over.has(id));
  order.sort((a, b) => first[a] - first[b] || sizeOf(b) - sizeOf(a));
  const offsets = new Array(n).fill(0);
  const live = [];
  let bytes = 0;
  for (const id of order) {
    const start = first[id];
    for (let i = live.length - 1; i >= 0; i--) {
      if (last[live[i].id] < start) live.splice(i, 1);
    }
    live.sort((a, b) => a.offset - b.offset);
    const size = Math.max(sizeOf(id), ALIGN);
    let at = 0;
    for (const l of live) {
      if (l.offset - at >= size) break;
      at = Math.max(at, l.offset + l.size);
    }
    offsets[id] = at;
    live.push({ id, offset: at, size });
    bytes = Math.max(bytes, at + size);
  }
  for (const [o, i] of over) offsets[o] = offsets[i];
  const unplannedBytes = p.buffers.reduce((acc, b) => acc + Math.max(sizeOf(b.id), ALIGN), 0);
  return { offsets, aliased, bytes, unplannedBytes };
}
function canAlias(p, o, i, firstWrite, bytesPerElement) {
  const ob = p.buffers[o];
  const ib = p.buffers[i];
  if (ob === void 0 || ib === void 0 || ob.role !== "temp" || firstWrite === Infinity) return false;
  if (ob.size !== ib.size || bytesPerElement(ob.dtype) !== bytesPerElement(ib.dtype)) return false;
  if (Object.values(p.outputs).some((x) => x.buffer === i)) return false;
  for (let j = firstWrite + 1; j < p.kernels.length; j++) if (kernelReads(p.kernels[j]).includes(i)) return false;
  const writer = p.kernels[firstWrite];
  if (!kernelReads(writer).includes(i)) return true;
  if (writer.kind !== "map") return false;
  const same = (a) => a.offset === writer.out.offset && a.strides.length === writer.out.strides.length && a.strides.every((s, k) => s === writer.out.strides[k]);
  return exprLoads(writer.expr).every((a) => a.buffer !== i || same(a));
}
export {
  planBuffers
};
