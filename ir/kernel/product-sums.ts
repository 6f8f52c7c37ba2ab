import { type Kernel, type KernelProgram, kernelReads, kernelWrites, type MatmulTerm, type ScalarExpr } from "./program.js";

type MatmulKernel = Extract<Kernel, { kind: "matmul" }>;

/**
 * Sums of float32 products as one kernel: a matmul whose epilogue only adds other matmuls'
 * products of the same [m, n] to its own (each of them read by nothing else) becomes one kernel
 * with those products as its terms, accumulated in one pass over all their reductions instead of
 * each product written out and read back. (The gradient of a weight shared by the steps of an
 * unrolled recurrent network is such a sum: one small product per step.) The sum is then computed
 * in another order than the separate products and adds: within the float32 matmul bound for the
 * summed reduction length (below `maxLength`).
 */
export function fuseProductSums(p: KernelProgram, maxLength: number): KernelProgram {
  const kernels: (Kernel | undefined)[] = [...p.kernels];
  const outputs = new Set(Object.values(p.outputs).map((o) => o.buffer));
  const writers = new Map<number, number[]>();
  const readers = new Map<number, number[]>();
  kernels.forEach((k, i) => {
    if (k === undefined) return;
    for (const w of kernelWrites(k)) writers.set(w, [...(writers.get(w) ?? []), i]);
    for (const r of new Set(kernelReads(k))) readers.set(r, [...(readers.get(r) ?? []), i]);
  });
  /** Whether every buffer kernel `i` reads is written (if at all) before it. */
  const inputsSettled = (k: Kernel, i: number): boolean => kernelReads(k).every((b) => (writers.get(b) ?? []).every((w) => w < i));

  kernels.forEach((k, ki) => {
    if (k === undefined || k.kind !== "matmul" || k.dtype !== "float32" || k.aOffsets.length !== 1 || k.epilogue === undefined) return;
    if ((k.outDtype ?? "float32") !== "float32") return;
    const leaves = addLeaves(k.epilogue);
    if (leaves === undefined || leaves.filter((l) => l.kind === "acc").length !== 1) return;
    const loads = leaves.filter((l): l is Extract<ScalarExpr, { kind: "load" }> => l.kind === "load");
    const found: { index: number; product: MatmulKernel }[] = [];
    for (const l of loads) {
      const x = l.access.buffer;
      const w = writers.get(x) ?? [];
      const wi = w[0];
      const m = wi === undefined ? undefined : kernels[wi];
      const identity = l.access.offset === 0 && l.access.strides.length === 2 && l.access.strides[0] === k.n && l.access.strides[1] === 1;
      if (!identity || w.length !== 1 || wi === undefined || wi >= ki || outputs.has(x) || m === undefined) return;
      if (m.kind !== "matmul" || m.dtype !== "float32" || m.aOffsets.length !== 1 || m.epilogue !== undefined || m.m !== k.m || m.n !== k.n) return;
      if ((readers.get(x) ?? []).some((r) => r !== ki) || found.some((f) => f.index === wi) || !inputsSettled(m, wi)) return;
      found.push({ index: wi, product: m });
    }
    if (found.length === 0) return;
    const length = found.reduce((s, f) => s + f.product.k + (f.product.terms ?? []).reduce((a, t) => a + t.k, 0), k.k + (k.terms ?? []).reduce((a, t) => a + t.k, 0));
    if (length >= maxLength) return;
    const termsOf = (m: MatmulKernel): MatmulTerm[] => [...(m.terms ?? []), { a: m.a, b: m.b, k: m.k, transA: m.transA, transB: m.transB }];
    const { epilogue: _epilogue, outDtype: _outDtype, ...plain } = k;
    kernels[ki] = { ...plain, terms: [...found.flatMap((f) => termsOf(f.product)), ...(k.terms ?? [])] };
    for (const f of found) kernels[f.index] = undefined;
  });
  return { ...p, kernels: kernels.filter((k): k is Kernel => k !== undefined) };
}

/** The leaves of a tree of float32 adds (the expression itself if it is not an add); undefined if a leaf is neither a load nor the accumulator. */
function addLeaves(e: ScalarExpr): ScalarExpr[] | undefined {
  if (e.kind === "op" && e.op === "add" && e.dtype === "float32") {
    const parts = e.args.map(addLeaves);
    return parts.every((x): x is ScalarExpr[] => x !== undefined) ? parts.flat() : undefined;
  }
  return e.kind === "load" || e.kind === "acc" ? [e] : undefined;
}
