/**
 * A small WebAssembly binary encoder: LEB128, sections, and a function-body builder with the
 * instructions graphgrad's code generator emits (core, saturating conversions, SIMD128 and
 * relaxed-SIMD FMA). Module bytes are produced at run time; no toolchain is involved.
 */
import { ATOMIC, FC, I, V, VOID } from "./opcodes.js";

const PREFIX_FC = 0xfc;
const PREFIX_SIMD = 0xfd;
const PREFIX_ATOMIC = 0xfe;

export type ValType = "i32" | "i64" | "f32" | "f64" | "v128";
const VALTYPE: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

export function uleb(n: number, out: number[]): void {
  let v = n >>> 0;
  if (n > 0xffffffff) throw new RangeError(`uleb: ${n} out of range`);
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

export function sleb(n: number, out: number[]): void {
  let v = n | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

function bytesOfString(s: string, out: number[]): void {
  const b = new TextEncoder().encode(s);
  uleb(b.length, out);
  for (const x of b) out.push(x);
}

function section(id: number, body: number[], out: number[]): void {
  out.push(id);
  uleb(body.length, out);
  for (const x of body) out.push(x);
}

const MAX_I32 = 2 ** 31 - 1;

const f32buf = new Float32Array(1);
const f64buf = new Float64Array(1);

/** Memory access alignment (log2 bytes) and offset. */
export interface MemArg {
  readonly align: number;
  readonly offset: number;
}

/**
 * A function body under construction. Locals are declared on demand; instructions are methods
 * returning `this` so code reads as a stack program.
 */
export class FunctionBuilder {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
  private readonly localTypes: ValType[] = [];
  readonly code: number[] = [];

  constructor(params: readonly ValType[], results: readonly ValType[]) {
    this.params = params;
    this.results = results;
  }

  /** A new local of type t; returns its index. */
  local(t: ValType): number {
    this.localTypes.push(t);
    return this.params.length + this.localTypes.length - 1;
  }

  op(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b);
    return this;
  }

  get(i: number): this {
    this.code.push(I.local_get);
    uleb(i, this.code);
    return this;
  }
  set(i: number): this {
    this.code.push(I.local_set);
    uleb(i, this.code);
    return this;
  }
  tee(i: number): this {
    this.code.push(I.local_tee);
    uleb(i, this.code);
    return this;
  }
  /** An i32 constant: a signed value, or an unsigned one below 2³² (an address); anything else is a bug, thrown. */
  i32(v: number): this {
    if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 32) throw new RangeError(`i32.const ${v}: not a 32-bit integer`);
    this.code.push(I.i32_const);
    sleb(v, this.code);
    return this;
  }
  f32(v: number): this {
    this.code.push(I.f32_const);
    f32buf[0] = v;
    for (const b of new Uint8Array(f32buf.buffer)) this.code.push(b);
    return this;
  }
  f64(v: number): this {
    this.code.push(I.f64_const);
    f64buf[0] = v;
    for (const b of new Uint8Array(f64buf.buffer)) this.code.push(b);
    return this;
  }
  /** A v128 constant with v (rounded to float32) in all four f32 lanes. */
  f32x4(v: number): this {
    this.simd(V.v128_const);
    f32buf[0] = v;
    for (let lane = 0; lane < 4; lane++) for (const b of new Uint8Array(f32buf.buffer)) this.code.push(b);
    return this;
  }
  /** A v128 constant with the 32-bit integer v in all four lanes. */
  i32x4(v: number): this {
    if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 32) throw new RangeError(`i32x4 constant ${v}: not a 32-bit integer`);
    this.simd(V.v128_const);
    for (let lane = 0; lane < 4; lane++) for (let b = 0; b < 4; b++) this.code.push((v >>> (8 * b)) & 255);
    return this;
  }
  call(fn: number): this {
    this.code.push(I.call);
    uleb(fn, this.code);
    return this;
  }
  /** A memory instruction with its memarg. */
  mem(opcode: number, m: MemArg): this {
    this.code.push(opcode);
    uleb(m.align, this.code);
    uleb(m.offset, this.code);
    return this;
  }
  /** A SIMD (0xfd-prefixed) instruction (see `V`). */
  simd(opcode: number): this {
    this.code.push(PREFIX_SIMD);
    uleb(opcode, this.code);
    return this;
  }
  simdMem(opcode: number, m: MemArg): this {
    this.simd(opcode);
    uleb(m.align, this.code);
    uleb(m.offset, this.code);
    return this;
  }
  /**
   * i8x16.shuffle picking 32-bit lanes: result lane q is lane `lanes[q]` of the two operands
   * (0-3 the first, 4-7 the second).
   */
  shuffle32(lanes: readonly [number, number, number, number]): this {
    this.simd(V.i8x16_shuffle);
    for (const l of lanes) {
      if (!Number.isInteger(l) || l < 0 || l > 7) throw new RangeError(`shuffle32: lane ${l} is not in 0..7`);
      for (let b = 0; b < 4; b++) this.code.push(l * 4 + b);
    }
    return this;
  }
  /** An atomic (0xfe-prefixed) memory instruction (see `ATOMIC`). */
  atomic(opcode: number, m: MemArg): this {
    this.code.push(PREFIX_ATOMIC);
    uleb(opcode, this.code);
    uleb(m.align, this.code);
    uleb(m.offset, this.code);
    return this;
  }
  /** A saturating truncation (0xfc-prefixed, see `FC`). */
  sat(opcode: number): this {
    this.code.push(PREFIX_FC);
    uleb(opcode, this.code);
    return this;
  }
  /** memory.copy (dst, src, bytes) in memory 0. */
  memoryCopy(): this {
    return this.sat(FC.memory_copy).op(0, 0);
  }
  /** memory.fill (dst, byte, bytes) in memory 0. */
  memoryFill(): this {
    return this.sat(FC.memory_fill).op(0);
  }

  /** block ... end (void). */
  block(body: () => void): this {
    this.code.push(I.block, VOID);
    body();
    this.code.push(I.end);
    return this;
  }
  /** if ... end (void), consuming an i32 condition. */
  ifThen(body: () => void, orElse?: () => void): this {
    this.code.push(I.if, VOID);
    body();
    if (orElse !== undefined) {
      this.code.push(I.else);
      orElse();
    }
    this.code.push(I.end);
    return this;
  }

  /** if ... else ... end leaving one value of type t (each branch pushes one), consuming an i32 condition. */
  ifElseValue(t: ValType, then: () => void, orElse: () => void): this {
    this.code.push(I.if, VALTYPE[t]);
    then();
    this.code.push(I.else);
    orElse();
    this.code.push(I.end);
    return this;
  }

  /**
   * for (i = from; i < to; i += step) body — with i an i32 local, `to` an i32 local or constant.
   * Skips the loop entirely when from >= to.
   */
  forRange(i: number, from: number | { local: number }, to: number | { local: number }, step: number, body: () => void): this {
    // The counter is compared signed and may pass `to` by step - 1: it must not wrap past 2³¹ - 1.
    if (typeof to === "number" && to + step - 1 > MAX_I32) throw new RangeError(`a loop to ${to} by ${step} would overflow its i32 counter`);
    const push = (v: number | { local: number }): void => {
      if (typeof v === "number") this.i32(v);
      else this.get(v.local);
    };
    push(from);
    this.set(i);
    this.block(() => {
      this.get(i);
      push(to);
      this.op(I.i32_ge_s);
      this.op(I.br_if, 0); // exit
      this.code.push(I.loop, VOID);
      body();
      this.get(i).i32(step).op(I.i32_add).tee(i); // i += step
      push(to);
      this.op(I.i32_lt_s);
      this.op(I.br_if, 0); // continue
      this.code.push(I.end); // end loop
    });
    return this;
  }

  /**
   * Shared-work loop: repeatedly `i = atomic_add(counter, step)` (the i32 at byte address
   * `counter`, i32.atomic.rmw.add) and run body while i < limit. Threads running it over the same
   * counter take disjoint values between them.
   */
  counterLoop(i: number, counter: number, step: number, limit: number, body: () => void): this {
    this.block(() => {
      this.code.push(I.loop, VOID);
      this.i32(counter).i32(step).atomic(ATOMIC.i32_atomic_rmw_add, { align: 2, offset: 0 }).tee(i);
      this.i32(limit).op(I.i32_ge_s).op(I.br_if, 1); // i >= limit: leave the block
      body();
      this.op(I.br, 0); // loop
      this.code.push(I.end);
    });
    return this;
  }

  /** The encoded body (locals + code + end). */
  encode(): number[] {
    const out: number[] = [];
    const groups: [number, ValType][] = [];
    for (const t of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last !== undefined && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    uleb(groups.length, out);
    for (const [n, t] of groups) {
      uleb(n, out);
      out.push(VALTYPE[t]);
    }
    for (const b of this.code) out.push(b);
    out.push(I.end);
    const sized: number[] = [];
    uleb(out.length, sized);
    return sized.concat(out);
  }
}

export interface Import {
  readonly module: string;
  readonly name: string;
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

/**
 * A module: imported functions (indices 0..imports-1), then defined functions, an imported
 * memory `env.memory`, and exported functions.
 */
export class ModuleBuilder {
  private readonly imports: Import[] = [];
  private readonly functions: FunctionBuilder[] = [];
  private readonly exports: { name: string; index: number }[] = [];
  private memory: { min: number; shared: boolean; max?: number } = { min: 1, shared: false };

  importFunction(imp: Import): number {
    if (this.functions.length > 0) throw new Error("imports must come before functions");
    this.imports.push(imp);
    return this.imports.length - 1;
  }

  addFunction(f: FunctionBuilder): number {
    this.functions.push(f);
    return this.imports.length + this.functions.length - 1;
  }

  exportFunction(name: string, index: number): void {
    this.exports.push({ name, index });
  }

  /** The imported memory's limits, in 64 KiB pages. */
  setMemory(min: number, shared = false, max?: number): void {
    this.memory = max === undefined ? { min, shared } : { min, shared, max };
  }

  encode(): Uint8Array<ArrayBuffer> {
    const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    // Types: one per function signature (no dedup needed at this size).
    const sigs = [...this.imports.map((i) => [i.params, i.results] as const), ...this.functions.map((f) => [f.params, f.results] as const)];
    const types: number[] = [];
    uleb(sigs.length, types);
    for (const [ps, rs] of sigs) {
      types.push(0x60);
      uleb(ps.length, types);
      for (const p of ps) types.push(VALTYPE[p]);
      uleb(rs.length, types);
      for (const r of rs) types.push(VALTYPE[r]);
    }
    section(1, types, out);

    const imps: number[] = [];
    uleb(this.imports.length + 1, imps);
    this.imports.forEach((imp, i) => {
      bytesOfString(imp.module, imps);
      bytesOfString(imp.name, imps);
      imps.push(0x00);
      uleb(i, imps);
    });
    bytesOfString("env", imps);
    bytesOfString("memory", imps);
    imps.push(0x02);
    const { min, max, shared } = this.memory;
    imps.push((max !== undefined ? 0x01 : 0x00) | (shared ? 0x02 : 0x00));
    uleb(min, imps);
    if (max !== undefined) uleb(max, imps);
    section(2, imps, out);

    const funcs: number[] = [];
    uleb(this.functions.length, funcs);
    this.functions.forEach((_, i) => uleb(this.imports.length + i, funcs));
    section(3, funcs, out);

    const exps: number[] = [];
    uleb(this.exports.length, exps);
    for (const e of this.exports) {
      bytesOfString(e.name, exps);
      exps.push(0x00);
      uleb(e.index, exps);
    }
    section(7, exps, out);

    const code: number[] = [];
    uleb(this.functions.length, code);
    for (const f of this.functions) for (const b of f.encode()) code.push(b);
    section(10, code, out);
    return new Uint8Array(out);
  }
}
