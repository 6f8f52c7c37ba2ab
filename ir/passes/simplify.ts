import { apply } from "../build.js";
import type { DType } from "../dtype.js";
import type { Pass } from "../graph.js";
import type { Node, NodeOf } from "../node.js";
import type { OpAttrs, OpName } from "../ops/attrs.js";
import { isConcrete, shapesEqual, sizeOf } from "../shape.js";
import { CLOSED_FORM_TERMS } from "../closed-form.js";
import { constOf, splatValue, stored } from "./consts.js";
import { sumOfPads } from "./pad-sums.js";
import { asShapeOf, rewritePass } from "./rewrite.js";

/**
 * Algebraic simplification, a pure function of the graph. Each rule replaces a node by an
 * expression of the same shape and dtype (its operand broadcast to the node's shape when they
 * differ); hash-consing then merges equal subexpressions, so this is also CSE.
 *
 *   x·1, 1·x, x+0, 0+x, x−0, x/1, pow(x, 1) → x        x·0, 0·x → zeros of the result's shape
 *   0−x → −x      −(−x) → x      pow(x, 2) → x·x      where(c, x, x) → x
 *   reshape / broadcast to the same shape, identity transpose, whole slice, zero pad,
 *   one-operand concat, cast to the same dtype → x
 *   reshape∘reshape, broadcast∘broadcast, transpose∘transpose → one op (or x)
 *   cast∘cast → one cast when the inner cast cannot change a value (bool→int32, bool/int32→float64,
 *   bool→float32, float32→float64; so float32→float64→float32 is x, float64→float32→float64 stays)
 *   stopGradient of a constant, stopGradient∘stopGradient → one
 *   add of pads placing their operands in disjoint ranges of one axis → a concat (pad-sums.ts)
 *   sum / max of a broadcast of more than 2²⁰ elements → the sum (max) of the broadcast operand over
 *   its own axes, times the number of copies for a sum (ir/closed-form.ts), broadcast to the result
 *
 * "0" and "1" are splat constants (a `fill`, or a literal of equal values) as stored in the dtype;
 * either sign of zero counts as 0. Exactness: every rule gives the unoptimized graph's values bit
 * for bit (pow(x, 2) included: the backend's Math.pow returns x·x for y = 2) with two documented
 * exceptions: x·0 → 0 is not IEEE-exact when x is Inf or NaN (x·0 is NaN there) and drops the
 * sign of zero (−3·0 = −0); x+0 and 0−x may also turn a −0 into +0 or back (a sum of pads keeps a −0 the add made +0); a float sum over a
 * large broadcast is count·sum, rounded differently from count additions (more accurately). `x − x` is left alone
 * (it is NaN, not 0, for infinite x). Bool tensors are assumed to hold 0 and 1 only.
 */
export const simplify: Pass = rewritePass("simplify", simplifyNode);

/** Applies the rules until none fires. Every node a rule builds is simplified too, so the result is a fixed point. */
function simplifyNode(n: Node): Node {
  let cur = n;
  for (;;) {
    const next = rewriteOnce(cur);
    if (next === cur) return cur;
    cur = next;
  }
}

/** Builds a node on already simplified operands and simplifies it. */
function make<K extends OpName>(op: K, inputs: readonly Node[], attrs: OpAttrs[K]): Node | undefined {
  const r = apply(op, inputs, attrs);
  return r._tag === "Right" ? simplifyNode(r.right) : undefined;
}

const isValue = (x: Node, v: number): boolean => splatValue(x) === v;

/** One rule applied to n, or n when none fires. */
function rewriteOnce(n: Node): Node {
  const [a, b] = n.inputs as [Node, Node];
  const same = (x: Node): Node => asShapeOf(x, n) ?? n;
  switch (n.op) {
    case "add":
      if (isValue(b, 0)) return same(a);
      if (isValue(a, 0)) return same(b);
      return sumOfPads(n, a, b, make) ?? n;
    case "sub":
      if (isValue(b, 0)) return same(a);
      if (isValue(a, 0)) return withShape(make("neg", [b], {}), n);
      return n;
    case "mul":
      if (isValue(b, 1)) return same(a);
      if (isValue(a, 1)) return same(b);
      // Not IEEE-exact for infinite or NaN x (see above).
      if (isValue(a, 0) || isValue(b, 0)) return make("fill", [], { shape: n.shape, dtype: n.dtype, value: 0 }) ?? n;
      return n;
    case "div":
      return isValue(b, 1) ? same(a) : n;
    case "pow":
      if (isValue(b, 1)) return same(a);
      if (isValue(b, 2)) return withShape(make("mul", [a, a], {}), n);
      return n;
    case "neg":
      return a.op === "neg" ? same(a.inputs[0] as Node) : n;
    case "where": {
      const [x, y] = [n.inputs[1] as Node, n.inputs[2] as Node];
      return x === y ? same(x) : n;
    }
    case "stopGradient":
      return constOf(a) !== undefined || a.op === "stopGradient" ? a : n;
    case "cast":
      return simplifyCast(n, a, n.attrs.dtype);
    case "reshape":
      if (shapesEqual(a.shape, n.shape)) return a;
      if (a.op === "reshape" && symbolsKept(a, n)) return make("reshape", [a.inputs[0] as Node], { shape: n.shape }) ?? n;
      return n;
    case "broadcast":
      if (shapesEqual(a.shape, n.shape)) return a;
      if (a.op === "broadcast") return make("broadcast", [a.inputs[0] as Node], { shape: n.shape }) ?? n;
      return n;
    case "transpose": {
      const perm = n.attrs.perm;
      if (perm.every((p, i) => p === i)) return a;
      if (a.op !== "transpose") return n;
      // transpose(transpose(x, p), q)[j] takes axis p[q[j]] of x.
      const inner = a.attrs.perm;
      return make("transpose", [a.inputs[0] as Node], { perm: perm.map((q) => inner[q] as number) }) ?? n;
    }
    case "slice":
      return n.attrs.begin.every((x) => x === 0) && shapesEqual(a.shape, n.shape) ? a : n;
    case "pad":
      return [...n.attrs.lo, ...n.attrs.hi].every((p) => p === 0) ? a : n;
    case "concat":
      return n.inputs.length === 1 ? a : n;
    case "reduceSum":
    case "reduceMax":
      return a.op === "broadcast" ? (reduceOfBroadcast(n, a) ?? n) : n;
    default:
      return n;
  }
}

/**
 * sum(broadcast(x, S), axes) with S concrete, of more than CLOSED_FORM_TERMS elements, when broadcasting repeats x
 * along some reduced axes (new leading axes, or axes of size 1 stretched): x reduced over its own
 * reduced axes, times the copies along the others (max: no factor), broadcast to the kept axes.
 */
function reduceOfBroadcast(n: NodeOf<"reduceSum"> | NodeOf<"reduceMax">, b: NodeOf<"broadcast">): Node | undefined {
  const x = b.inputs[0] as Node;
  const { axes, keepdims } = n.attrs;
  const lead = b.shape.length - x.shape.length;
  if (!isConcrete(b.shape) || sizeOf(b.shape) <= CLOSED_FORM_TERMS) return undefined;
  let copies = 1;
  const own: number[] = [];
  for (const a of axes) {
    const d = b.shape[a] as number;
    if (a < lead || (x.shape[a - lead] === 1 && d !== 1)) copies *= d;
    else own.push(a - lead);
  }
  if (copies === 1) return undefined;
  let y = own.length === 0 ? x : make(n.op, [x], { axes: own, keepdims: true });
  if (y !== undefined && n.op === "reduceSum") y = make("mul", [y, make("fill", [], { shape: [], dtype: n.dtype, value: stored(n.dtype, copies) }) as Node], {});
  if (y === undefined) return undefined;
  const kept = b.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const z = shapesEqual(y.shape, kept) ? y : make("broadcast", [y], { shape: kept });
  if (z === undefined || keepdims) return z;
  return shapesEqual(z.shape, n.shape) ? z : make("reshape", [z], { shape: n.shape });
}

function withShape(x: Node | undefined, n: Node): Node {
  return x === undefined ? n : (asShapeOf(x, n) ?? n);
}

/** Inner casts that keep every value: casting back or onward sees the original numbers. */
const LOSSLESS: ReadonlySet<string> = new Set(["bool>int32", "bool>float32", "bool>float64", "int32>float64", "float32>float64"]);

function simplifyCast(n: Node, x: Node, to: DType): Node {
  if (x.dtype === to) return x;
  if (x.op !== "cast") return n;
  const src = x.inputs[0] as Node;
  if (!LOSSLESS.has(`${src.dtype}>${x.dtype}`)) return n;
  if (src.dtype === to) return src;
  return make("cast", [src], { dtype: to }) ?? n;
}

/**
 * reshape(reshape(x, s), t) → reshape(x, t) only when every symbol of s appears in x's shape or t:
 * a symbol named only in s is an assertion checked when the graph runs, which merging would drop.
 */
function symbolsKept(inner: Node, outer: Node): boolean {
  const x = inner.inputs[0] as Node;
  return inner.shape.every((d) => typeof d === "number" || x.shape.includes(d) || outer.shape.includes(d));
}
