import { ATOMIC, FC, I, VOID } from "./opcodes.js";
const PREFIX_FC = 252;
const PREFIX_SIMD = 253;
const PREFIX_ATOMIC = 254;
const VALTYPE = { i32: 127, i64: 126, f32: 125, f64: 124, v128: 123 };
function uleb(n, out) {
  let v = n >>> 0;
  if (n > 4294967295) throw new RangeError(`uleb: ${n} out of range`);
  do {
    let byte = v & 127;
    v >>>= 7;
    if (v !== 0) byte |= 128;
    out.push(byte);
  } while (v !== 0);
}
function sleb(n, out) {
  let v = n | 0;
  for (; ; ) {
    const byte = v & 127;
    v >>= 7;
    if (v === 0 && (byte & 64) === 0 || v === -1 && (byte & 64) !== 0) {
      out.push(byte);
      return;
    }
    out.push(byte | 128);
  }
}
function bytesOfString(s, out) {
  const b = new TextEncoder().encode(s);
  uleb(b.length, out);
  for (const x of b) out.push(x);
}
function section(id, body, out) {
  out.push(id);
  uleb(body.length, out);
  for (const x of body) out.push(x);
}
const f32buf = new Float32Array(1);
const f64buf = new Float64Array(1);
class FunctionBuilder {
  params;
  results;
  localTypes = [];
  code = [];
  constructor(params, results) {
    this.params = params;
    this.results = results;
  }
  /** A new local of type t; returns its index. */
  local(t) {
    this.localTypes.push(t);
    return this.params.length + this.localTypes.length - 1;
  }
  op(...bytes) {
    for (const b of bytes) this.code.push(b);
    return this;
  }
  get(i) {
    this.code.push(I.local_get);
    uleb(i, this.code);
    return this;
  }
  set(i) {
    this.code.push(I.local_set);
    uleb(i, this.code);
    return this;
  }
  tee(i) {
    this.code.push(I.local_tee);
    uleb(i, this.code);
    return this;
  }
  i32(v) {
    this.code.push(I.i32_const);
    sleb(v, this.code);
    return this;
  }
  f32(v) {
    this.code.push(I.f32_const);
    f32buf[0] = v;
    for (const b of new Uint8Array(f32buf.buffer)) this.code.push(b);
    return this;
  }
  f64(v) {
    this.code.push(I.f64_const);
    f64buf[0] = v;
    for (const b of new Uint8Array(f64buf.buffer)) this.code.push(b);
    return this;
  }
  call(fn) {
    this.code.push(I.call);
    uleb(fn, this.code);
    return this;
  }
  /** A memory instruction with its memarg. */
  mem(opcode, m) {
    this.code.push(opcode);
    uleb(m.align, this.code);
    uleb(m.offset, this.code);
    return this;
  }
  /** A SIMD (0xfd-prefixed) instruction (see `V`). */
  simd(opcode) {
    this.code.push(PREFIX_SIMD);
    uleb(opcode, this.code);
    return this;
  }
  simdMem(opcode, m) {
    this.simd(opcode);
    uleb(m.align, this.code);
    uleb(m.offset, this.code);
    return this;
  }
  /** An atomic (0xfe-prefixed) memory instruction (see `ATOMIC`). */
  atomic(opcode, m) {
    this.code.push(PREFIX_ATOMIC);
    uleb(opcode, this.code);
    uleb(m.align, this.code);
    uleb(m.offset, this.code);
    return this;
  }
  /** A saturating truncation (0xfc-prefixed, see `FC`). */
  sat(opcode) {
    this.code.push(PREFIX_FC);
    uleb(opcode, this.code);
    return this;
  }
  /** memory.copy (dst, src, bytes) in memory 0. */
  memoryCopy() {
    return this.sat(FC.memory_copy).op(0, 0);
  }
  /** memory.fill (dst, byte, bytes) in memory 0. */
  memoryFill() {
    return this.sat(FC.memory_fill).op(0);
  }
  /** block ... end (void). */
  block(body) {
    this.code.push(I.block, VOID);
    body();
    this.code.push(I.end);
    return this;
  }
  /** if ... end (void), consuming an i32 condition. */
  ifThen(body, orElse) {
    this.code.push(I.if, VOID);
    body();
    if (orElse !== void 0) {
      this.code.push(I.else);
      orElse();
    }
    this.code.push(I.end);
    return this;
  }
  /**
   * for (i = from; i < to; i += step) body — with i an i32 local, `to` an i32 local or constant.
   * Skips the loop entirely when from >= to.
   */
  forRange(i, from, to, step, body) {
    const push = (v) => {
      if (typeof v === "number") this.i32(v);
      else this.get(v.local);
    };
    push(from);
    this.set(i);
    this.block(() => {
      this.get(i);
      push(to);
      this.op(I.i32_ge_s);
      this.op(I.br_if, 0);
      this.code.push(I.loop, VOID);
      body();
      this.get(i).i32(step).op(I.i32_add).tee(i);
      push(to);
      this.op(I.i32_lt_s);
      this.op(I.br_if, 0);
      this.code.push(I.end);
    });
    return this;
  }
  /**
   * Shared-work loop: repeatedly `i = atomic_add(counter, step)` (the i32 at byte address
   * `counter`, i32.atomic.rmw.add) and run body while i < limit. Threads running it over the same
   * counter take disjoint values between them.
   */
  counterLoop(i, counter, step, limit, body) {
    this.block(() => {
      this.code.push(I.loop, VOID);
      this.i32(counter).i32(step).atomic(ATOMIC.i32_atomic_rmw_add, { align: 2, offset: 0 }).tee(i);
      this.i32(limit).op(I.i32_ge_s).op(I.br_if, 1);
      body();
      this.op(I.br, 0);
      this.code.push(I.end);
    });
    return this;
  }
  /** The encoded body (locals + code + end). */
  encode() {
    const out = [];
    const groups = [];
    for (const t of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last !== void 0 && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    uleb(groups.length, out);
    for (const [n, t] of groups) {
      uleb(n, out);
      out.push(VALTYPE[t]);
    }
    for (const b of this.code) out.push(b);
    out.push(I.end);
    const sized = [];
    uleb(out.length, sized);
    return sized.concat(out);
  }
}
class ModuleBuilder {
  imports = [];
  functions = [];
  exports = [];
  memory = { min: 1, shared: false };
  importFunction(imp) {
    if (this.functions.length > 0) throw new Error("imports must come before functions");
    this.imports.push(imp);
    return this.imports.length - 1;
  }
  addFunction(f) {
    this.functions.push(f);
    return this.imports.length + this.functions.length - 1;
  }
  exportFunction(name, index) {
    this.exports.push({ name, index });
  }
  /** The imported memory's limits, in 64 KiB pages. */
  setMemory(min, shared = false, max) {
    this.memory = max === void 0 ? { min, shared } : { min, shared, max };
  }
  encode() {
    const out = [0, 97, 115, 109, 1, 0, 0, 0];
    const sigs = [...this.imports.map((i) => [i.params, i.results]), ...this.functions.map((f) => [f.params, f.results])];
    const types = [];
    uleb(sigs.length, types);
    for (const [ps, rs] of sigs) {
      types.push(96);
      uleb(ps.length, types);
      for (const p of ps) types.push(VALTYPE[p]);
      uleb(rs.length, types);
      for (const r of rs) types.push(VALTYPE[r]);
    }
    section(1, types, out);
    const imps = [];
    uleb(this.imports.length + 1, imps);
    this.imports.forEach((imp, i) => {
      bytesOfString(imp.module, imps);
      bytesOfString(imp.name, imps);
      imps.push(0);
      uleb(i, imps);
    });
    bytesOfString("env", imps);
    bytesOfString("memory", imps);
    imps.push(2);
    const { min, max, shared } = this.memory;
    imps.push((max !== void 0 ? 1 : 0) | (shared ? 2 : 0));
    uleb(min, imps);
    if (max !== void 0) uleb(max, imps);
    section(2, imps, out);
    const funcs = [];
    uleb(this.functions.length, funcs);
    this.functions.forEach((_, i) => uleb(this.imports.length + i, funcs));
    section(3, funcs, out);
    const exps = [];
    uleb(this.exports.length, exps);
    for (const e of this.exports) {
      bytesOfString(e.name, exps);
      exps.push(0);
      uleb(e.index, exps);
    }
    section(7, exps, out);
    const code = [];
    uleb(this.functions.length, code);
    for (const f of this.functions) for (const b of f.encode()) code.push(b);
    section(10, code, out);
    return new Uint8Array(out);
  }
}
export {
  FunctionBuilder,
  ModuleBuilder,
  sleb,
  uleb
};
