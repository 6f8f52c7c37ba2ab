import * as t from "io-ts";
import { type Either, left, right } from "fp-ts/lib/Either.js";

/**
 * A dimension is a known size or a symbol: a named size fixed only when the graph runs (the
 * user's `null` batch dimension becomes the symbol `?x.0`, "input x, axis 0"; a user may also
 * name one, e.g. "batch"). Symbols never broadcast implicitly: a symbolic dimension is treated as
 * "some size, not 1", and at run time every node's concrete shape is checked against its symbolic one.
 */
export type Dim = number | string;
export type Shape = readonly Dim[];
export type ConcreteShape = readonly number[];

export const DimCodec = t.union([t.number, t.string], "Dim");
export const ShapeCodec = t.readonlyArray(DimCodec, "Shape");

export function isConcrete(s: Shape): s is ConcreteShape {
  return s.every((d) => typeof d === "number");
}

/** Prints a dimension: a number, or a symbol's name (`?x.0` for the `null` axis 0 of input x). */
export function formatDim(d: Dim): string {
  return String(d);
}

export function formatShape(s: Shape): string {
  return `[${s.map(formatDim).join(",")}]`;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Number of elements of a concrete shape. */
export function sizeOf(s: ConcreteShape): number {
  let n = 1;
  for (const d of s) n *= d;
  return n;
}

/** Row-major strides of a concrete shape. */
export function stridesOf(s: ConcreteShape): number[] {
  const st = new Array<number>(s.length);
  let acc = 1;
  for (let i = s.length - 1; i >= 0; i--) {
    st[i] = acc;
    acc *= s[i] as number;
  }
  return st;
}

/** Numpy broadcasting of two dims; Left with a message when they cannot meet. */
function broadcastDim(a: Dim, b: Dim): Dim | undefined {
  if (a === b) return a;
  if (a === 1) return b;
  if (b === 1) return a;
  // A symbol meets a size or another symbol: they must be equal at run time (checked then).
  if (typeof a === "string") return b;
  if (typeof b === "string") return a;
  return undefined;
}

/** Numpy broadcasting of any number of shapes (right-aligned). */
export function broadcastShapes(shapes: readonly Shape[]): Either<string, Shape> {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let d: Dim = 1;
    for (const s of shapes) {
      const k = s.length - rank + i;
      if (k < 0) continue;
      const next = broadcastDim(d, s[k] as Dim);
      if (next === undefined) {
        return left(`shapes do not broadcast: ${shapes.map(formatShape).join(" vs ")} (axis ${i - rank})`);
      }
      d = next;
    }
    out.push(d);
  }
  return right(out);
}

/** Normalizes a possibly negative axis against a rank; Left if out of range. */
export function normalizeAxis(axis: number, rank: number): Either<string, number> {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    return left(`axis ${axis} is out of range for rank ${rank}`);
  }
  return right(axis < 0 ? axis + rank : axis);
}

/** Replaces symbols by their bound sizes; undefined where a symbol is unbound. */
export function substitute(s: Shape, env: ReadonlyMap<string, number>): number[] | undefined {
  const out: number[] = [];
  for (const d of s) {
    if (typeof d === "number") out.push(d);
    else {
      const v = env.get(d);
      if (v === undefined) return undefined;
      out.push(v);
    }
  }
  return out;
}

/**
 * Binds the symbols of `want` (a subgraph's parameter shape) to the sizes of `got` (an operand's),
 * extending `env`: the mismatch, or undefined.
 */
export function unifyShape(want: Shape, got: Shape, env: Map<string, Dim>): string | undefined {
  if (want.length !== got.length) return `rank ${got.length}, ${formatShape(want)} expected`;
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as Dim;
    const g = got[i] as Dim;
    if (typeof w === "string") {
      const bound = env.get(w);
      if (bound === undefined) env.set(w, g);
      else if (bound !== g) return `axis ${i} is ${String(g)}, but ${w} is ${String(bound)} elsewhere`;
    } else if (w !== g) return `axis ${i} is ${String(g)}, ${w} expected`;
  }
  return undefined;
}
