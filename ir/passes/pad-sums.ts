import type { Node } from "../node.js";
import type { OpAttrs, OpName } from "../ops/attrs.js";
import { isConcrete, shapesEqual } from "../shape.js";
import { splatValue } from "./consts.js";

/**
 * add(pad(x), pad(y)) → concat([x, zeros, y]) when the pads place x and y in disjoint ranges of
 * one axis (the gradient of slicing a tensor into parts, e.g. an LSTM's four gates: each part's
 * gradient padded to the whole, then summed). Pads of concats and concats holding zero blocks
 * count by their parts, so a chain of such adds becomes one concat: one buffer written part by
 * part instead of a zeroed buffer per part and a sum of them. Values are a + 0 = a (a −0 becomes +0
 * under the add; the concat keeps it).
 */

/** A part of a tensor along an axis: [begin, end) holds `node`. */
interface Part {
  readonly node: Node;
  readonly begin: number;
  readonly end: number;
}

type Make = <K extends OpName>(op: K, inputs: readonly Node[], attrs: OpAttrs[K]) => Node | undefined;

/** The concat replacing add(a, b) (node n), or undefined when the rule does not apply. */
export function sumOfPads(n: Node, a: Node, b: Node, make: Make): Node | undefined {
  if (a.op !== "pad" && b.op !== "pad") return undefined;
  if (!isConcrete(n.shape) || !shapesEqual(a.shape, n.shape) || !shapesEqual(b.shape, n.shape)) return undefined;
  const axis = axisOf(a) ?? axisOf(b);
  if (axis === undefined) return undefined;
  const pa = partsOf(a, axis);
  const pb = partsOf(b, axis);
  if (pa === undefined || pb === undefined) return undefined;
  const parts = [...pa, ...pb].sort((x, y) => x.begin - y.begin);
  const size = n.shape[axis] as number;
  const inputs: Node[] = [];
  let at = 0;
  for (const p of parts) {
    if (p.begin < at) return undefined; // overlapping parts: a real sum
    if (p.begin > at) inputs.push(zeros(n, axis, p.begin - at, make) as Node);
    inputs.push(p.node);
    at = p.end;
  }
  if (at < size) inputs.push(zeros(n, axis, size - at, make) as Node);
  if (inputs.some((x) => x === undefined)) return undefined;
  return make("concat", inputs, { axis });
}

/** The one axis a pad pads (or a concat joins along); undefined for anything else. */
function axisOf(x: Node): number | undefined {
  if (x.op === "concat") return x.attrs.axis;
  if (x.op !== "pad") return undefined;
  const padded = x.attrs.lo.flatMap((lo, i) => (lo !== 0 || x.attrs.hi[i] !== 0 ? [i] : []));
  return padded.length === 1 ? padded[0] : undefined;
}

/** The non-zero parts of x along `axis`: a pad's operand (or its concat's parts), a concat's parts; zero blocks left out. */
function partsOf(x: Node, axis: number): Part[] | undefined {
  if (x.op === "pad") {
    if (axisOf(x) !== axis) return undefined;
    const inner = x.inputs[0] as Node;
    const lo = x.attrs.lo[axis] as number;
    if (inner.op === "concat" && inner.attrs.axis === axis) return concatParts(inner, axis, lo);
    return typeof inner.shape[axis] === "number" ? [{ node: inner, begin: lo, end: lo + inner.shape[axis] }] : undefined;
  }
  if (x.op === "concat" && x.attrs.axis === axis) return concatParts(x, axis, 0);
  return undefined;
}

function concatParts(c: Node, axis: number, offset: number): Part[] | undefined {
  const parts: Part[] = [];
  let at = offset;
  for (const x of c.inputs) {
    const d = x.shape[axis];
    if (typeof d !== "number") return undefined;
    if (!(x.op === "fill" && splatValue(x) === 0)) parts.push({ node: x, begin: at, end: at + d });
    at += d;
  }
  return parts;
}

/** Zeros of n's shape but `length` along `axis`. */
function zeros(n: Node, axis: number, length: number, make: Make): Node | undefined {
  return make("fill", [], { shape: n.shape.map((d, i) => (i === axis ? length : d)), dtype: n.dtype, value: 0 });
}
