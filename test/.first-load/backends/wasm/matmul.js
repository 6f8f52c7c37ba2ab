import { FunctionBuilder } from "./encoder.js";
import { I, V, VOID } from "./opcodes.js";
import { accessKey, BYTES, canSimd, emitScalar, emitStoreOp, emitVector, exprAccesses } from "./expr.js";
const MR = 4;
const NR = 8;
function epilogueSupported(e, dtype, math) {
  if (dtype !== "float32" && dtype !== "int32" && dtype !== "bool") return false;
  if (!canSimd(e, math) || !accsAreFloat32(e)) return false;
  return [...exprAccesses(e).values()].every(({ access }) => access.strides.length === 2 && (access.strides[1] === 0 || access.strides[1] === 1));
}
const B_CHUNK_BYTES = 256 << 10;
const A_BLOCK_BYTES = 1 << 20;
function chunkPanels(k, threads) {
  const total = Math.max(1, panelsWithTail(k));
  const byCache = Math.max(1, Math.floor(B_CHUNK_BYTES / (k.k * NR * 4)));
  const byBalance = Math.max(1, Math.ceil(total / (threads * 4)));
  return Math.min(byCache, byBalance, total);
}
function packBytes(k, threads) {
  return chunkPanels(k, threads) * k.k * NR * 4;
}
function rowBlock(k) {
  return Math.max(MR, Math.floor(A_BLOCK_BYTES / (k.k * 4) / MR) * MR);
}
function genMatmulBody(k, o) {
  return k.dtype === "float32" ? genF32(k, o) : genRowAccumulate(k);
}
function panels(k) {
  return Math.floor(k.n / NR);
}
function panelsWithTail(k) {
  return Math.ceil(k.n / NR);
}
function genMatmulKernel(k, addr, body, part, parts, scratch, counters) {
  const f = new FunctionBuilder([], []);
  const size = BYTES[k.dtype];
  const total = panelsWithTail(k);
  const chunk = chunkPanels(k, parts);
  const c = f.local("i32");
  const end = f.local("i32");
  k.aOffsets.forEach((ao, i) => {
    const call = (begin, stop, tail) => {
      f.i32(addr(k.a) + ao * size).i32(addr(k.b) + k.bOffsets[i] * size).i32(addr(k.out) + i * k.m * k.n * size);
      begin();
      stop();
      f.i32(scratch).i32(tail).call(body);
    };
    const chunkCall = () => {
      f.get(c).i32(chunk).op(I.i32_add).tee(end).i32(total).get(end).i32(total).op(I.i32_lt_s).op(I.select).set(end);
      call(() => void f.get(c), () => void f.get(end), 0);
    };
    if (k.dtype !== "float32" || total === 0) {
      if (part === 0) call(() => void f.i32(0), () => void f.i32(0), 1);
      return;
    }
    if (parts === 1) f.forRange(c, 0, total, chunk, chunkCall);
    else f.counterLoop(c, counters + 4 * i, chunk, total, chunkCall);
  });
  return f;
}
function genF32(k, o) {
  const f = new FunctionBuilder(["i32", "i32", "i32", "i32", "i32", "i32", "i32"], []);
  const [A, B, C, P0, P1, SCRATCH] = [0, 1, 2, 3, 4, 5];
  const { m, n } = k;
  const K = k.k;
  const nFull = n - n % NR;
  const mFull = m - m % MR;
  const j0 = f.local("i32");
  const i0 = f.local("i32");
  const p = f.local("i32");
  const pa = f.local("i32");
  const pb = f.local("i32");
  const src = f.local("i32");
  const s = f.local("v128");
  const b0 = f.local("v128");
  const b1 = f.local("v128");
  const acc = Array.from({ length: MR * 2 }, () => f.local("v128"));
  const panel = f.local("i32");
  const rowBytes = K * 4;
  const rowPanelBytes = K * NR * 4;
  const aStepP = k.transA ? m * 4 : 4;
  const bStepP = k.transB ? 4 : n * 4;
  const bStepJ = k.transB ? K * 4 : 4;
  const fma = (a, b) => {
    if (o.fma) f.get(s).get(b).get(a).simd(V.f32x4_relaxed_madd).set(a);
    else f.get(s).get(b).simd(V.f32x4_mul).get(a).simd(V.f32x4_add).set(a);
  };
  const tile = (rows, cols) => {
    for (let q = 0; q < rows * 2; q++) f.f32(0).simd(V.f32x4_splat).set(acc[q]);
    f.get(A).get(i0).i32(k.transA ? 4 : rowBytes).op(I.i32_mul).op(I.i32_add).set(pa);
    f.get(panel).set(pb);
    f.forRange(p, 0, K, 1, () => {
      f.get(pb).simdMem(V.v128_load, { align: 4, offset: 0 }).set(b0);
      f.get(pb).simdMem(V.v128_load, { align: 4, offset: 16 }).set(b1);
      for (let r = 0; r < rows; r++) {
        f.get(pa).simdMem(V.v128_load32_splat, { align: 2, offset: r * (k.transA ? 4 : rowBytes) }).set(s);
        fma(acc[2 * r], b0);
        fma(acc[2 * r + 1], b1);
      }
      f.get(pa).i32(aStepP).op(I.i32_add).set(pa);
      f.get(pb).i32(32).op(I.i32_add).set(pb);
    });
    for (let r = 0; r < rows; r++) {
      if (cols < NR) {
        for (let c = 0; c < cols; c++) {
          const lane = () => void f.get(acc[2 * r + (c >> 2)]).simd(V.f32x4_extract_lane).op(c & 3);
          if (epi === void 0) {
            f.get(C).get(i0).i32(r).op(I.i32_add).i32(n * 4).op(I.i32_mul).op(I.i32_add).get(j0).i32(4).op(I.i32_mul).op(I.i32_add);
            lane();
            f.mem(I.f32_store, { align: 2, offset: c * 4 });
          } else epi.store(r, c, false, lane);
        }
        continue;
      }
      for (let h = 0; h < 2; h++) {
        const value = acc[2 * r + h];
        if (epi === void 0) {
          f.get(C).get(i0).i32(r).op(I.i32_add).i32(n * 4).op(I.i32_mul).op(I.i32_add).get(j0).i32(4).op(I.i32_mul).op(I.i32_add);
          f.get(value).simdMem(V.v128_store, { align: 2, offset: h * 16 });
        } else epi.store(r, h * 4, true, () => void f.get(value));
      }
    }
  };
  const tail = n % NR;
  const byPanel = (full, partial) => {
    if (tail === 0) full();
    else f.get(j0).i32(nFull).op(I.i32_eq).ifThen(partial, full);
  };
  const epi = k.epilogue === void 0 ? void 0 : epilogueStore(f, k.epilogue, k.outDtype ?? "float32", C, n, i0, j0, o);
  const jBegin = f.local("i32");
  const jEnd = f.local("i32");
  f.get(P0).i32(NR).op(I.i32_mul).set(jBegin);
  f.get(P1).i32(NR).op(I.i32_mul).set(jEnd);
  f.get(SCRATCH).set(pb);
  f.forRange(j0, { local: jBegin }, { local: jEnd }, NR, () => {
    f.get(B).get(j0).i32(bStepJ).op(I.i32_mul).op(I.i32_add).set(src);
    const pack = (cols) => void f.forRange(p, 0, K, 1, () => {
      if (k.transB || cols < NR) {
        for (let c = 0; c < NR; c++) {
          f.get(pb);
          if (c < cols) f.get(src).mem(I.f32_load, { align: 2, offset: c * bStepJ });
          else f.f32(0);
          f.mem(I.f32_store, { align: 2, offset: c * 4 });
        }
      } else {
        f.get(pb).get(src).simdMem(V.v128_load, { align: 2, offset: 0 }).simdMem(V.v128_store, { align: 4, offset: 0 });
        f.get(pb).get(src).simdMem(V.v128_load, { align: 2, offset: 16 }).simdMem(V.v128_store, { align: 4, offset: 16 });
      }
      f.get(src).i32(bStepP).op(I.i32_add).set(src);
      f.get(pb).i32(32).op(I.i32_add).set(pb);
    });
    byPanel(() => pack(NR), () => pack(tail));
  });
  const ib = f.local("i32");
  const iEnd = f.local("i32");
  const block = rowBlock(k);
  const sweep = (rows, from, to) => {
    f.get(SCRATCH).set(panel);
    f.forRange(j0, { local: jBegin }, { local: jEnd }, NR, () => {
      const rowsLoop = (cols) => {
        from();
        f.set(i0);
        f.block(() => {
          f.get(i0);
          to();
          f.op(I.i32_ge_s).op(I.br_if, 0);
          f.op(I.loop, VOID);
          tile(rows, cols);
          f.get(i0).i32(rows).op(I.i32_add).tee(i0);
          to();
          f.op(I.i32_lt_s).op(I.br_if, 0);
          f.op(I.end);
        });
      };
      byPanel(() => rowsLoop(NR), () => rowsLoop(tail));
      f.get(panel).i32(rowPanelBytes).op(I.i32_add).set(panel);
    });
  };
  f.forRange(ib, 0, mFull, block, () => {
    f.get(ib).i32(block).op(I.i32_add).tee(iEnd).i32(mFull).get(iEnd).i32(mFull).op(I.i32_lt_s).op(I.select).set(iEnd);
    sweep(MR, () => void f.get(ib), () => void f.get(iEnd));
  });
  if (mFull < m) sweep(1, () => void f.i32(mFull), () => void f.i32(m));
  return f;
}
function genRowAccumulate(k) {
  const f = new FunctionBuilder(["i32", "i32", "i32", "i32", "i32", "i32", "i32"], []);
  const body = () => rowAccumulate(f, k);
  f.get(6);
  f.ifThen(body);
  return f;
}
function rowAccumulate(f, k) {
  const [A, B, C] = [0, 1, 2];
  const size = k.dtype === "float64" ? 8 : 4;
  const [load, store, mul, add] = k.dtype === "float64" ? [I.f64_load, I.f64_store, I.f64_mul, I.f64_add] : [I.i32_load, I.i32_store, I.i32_mul, I.i32_add];
  const align = size === 8 ? 3 : 2;
  const i = f.local("i32");
  const p = f.local("i32");
  const j = f.local("i32");
  const crow = f.local("i32");
  const brow = f.local("i32");
  const av = f.local(k.dtype === "float64" ? "f64" : "i32");
  f.forRange(i, 0, k.m, 1, () => {
    f.get(C).get(i).i32(k.n * size).op(I.i32_mul).op(I.i32_add).set(crow);
    f.get(crow).i32(0).i32(k.n * size).memoryFill();
    f.forRange(p, 0, k.k, 1, () => {
      const [ai, ap] = k.transA ? [size, k.m * size] : [k.k * size, size];
      f.get(A).get(i).i32(ai).op(I.i32_mul).op(I.i32_add).get(p).i32(ap).op(I.i32_mul).op(I.i32_add).mem(load, { align, offset: 0 }).set(av);
      f.get(B).get(p).i32(k.transB ? size : k.n * size).op(I.i32_mul).op(I.i32_add).set(brow);
      f.forRange(j, 0, k.n, 1, () => {
        const addr = () => void f.get(j).i32(size).op(I.i32_mul);
        f.get(crow);
        addr();
        f.op(I.i32_add);
        f.get(crow);
        addr();
        f.op(I.i32_add).mem(load, { align, offset: 0 });
        f.get(av);
        f.get(brow);
        f.get(j).i32(k.transB ? k.k * size : size).op(I.i32_mul);
        f.op(I.i32_add).mem(load, { align, offset: 0 });
        f.op(mul).op(add).mem(store, { align, offset: 0 });
      });
    });
  });
}
function epilogueStore(f, e, outDtype, C, n, iLocal, jLocal, o) {
  const loads = [...exprAccesses(e).values()];
  const ptrs = new Map(loads.map((l) => [accessKey(l.access), f.local("i32")]));
  const out = f.local("i32");
  const dtype = outDtype;
  return {
    store: (r, c, vector, push) => {
      for (const l of loads) {
        const bytes = BYTES[l.dtype];
        const [si, sj] = [l.access.strides[0], l.access.strides[1]];
        f.i32(o.addr(l.access.buffer) + (l.access.offset + r * si + c * sj) * bytes);
        f.get(iLocal).i32(si * bytes).op(I.i32_mul).op(I.i32_add).get(jLocal).i32(sj * bytes).op(I.i32_mul).op(I.i32_add);
        f.set(ptrs.get(accessKey(l.access)));
      }
      f.get(C).get(iLocal).i32(r).op(I.i32_add).i32(n * 4).op(I.i32_mul).op(I.i32_add).get(jLocal).i32(c).op(I.i32_add).i32(4).op(I.i32_mul).op(I.i32_add).set(out);
      const ptrOf = (a) => ptrs.get(accessKey(a));
      f.get(out);
      if (vector) {
        emitVector(f, e, ptrOf, (a) => a.strides[1] === 0, o.math, push);
        if (dtype === "bool") f.i32(1).simd(V.i32x4_splat).simd(V.v128_and);
        f.simdMem(V.v128_store, { align: 2, offset: 0 });
      } else {
        emitScalar(f, e, ptrOf, o.math, push);
        emitStoreOp(f, dtype);
      }
    }
  };
}
function accsAreFloat32(e) {
  if (e.kind === "acc") return e.dtype === "float32";
  return e.kind === "op" ? e.args.every(accsAreFloat32) : true;
}
export {
  MR,
  NR,
  chunkPanels,
  epilogueSupported,
  genMatmulBody,
  genMatmulKernel,
  packBytes,
  panels
};
