import { CLOSED_FORM_TERMS, timesCount } from "../../ir/closed-form.js";
import { allocate, roundTo } from "../../ir/dtype.js";
import type { Node, NodeOf } from "../../ir/node.js";
import { reduceInto } from "../../ir/loops.js";
import { sizeOf } from "../../ir/shape.js";
import { Tensor } from "../../ir/tensor.js";
import { broadcastView, contiguous } from "../../ir/view.js";
import { copyView } from "../../ir/loops.js";

/**
 * Reductions the JS backend computes in closed form, as the simplifier and the compiled backends'
 * lowering do (ir/closed-form.ts): a sum or max of a `fill` of more than CLOSED_FORM_TERMS
 * elements (count·value), or of such a `broadcast` along the axes where it repeats its operand
 * (the operand reduced over its own axes, times the copies). The fill or broadcast itself is then not computed when nothing else
 * reads it, so a reduction of 46341² ones allocates nothing.
 */
export interface ClosedForm {
  /** The node whose value the kernel reads: none (a fill) or the broadcast's operand. */
  readonly reads: Node | undefined;
  readonly kernel: (input: Tensor | undefined, out: { readonly shape: readonly number[] }) => Tensor;
}

type Reduction = NodeOf<"reduceSum"> | NodeOf<"reduceMax">;

/** The closed form of reduction r of `operand` (of concrete shape `shape`; a broadcast's operand of `sourceShape`), if one applies. */
export function closedFormOf(r: Reduction, operand: Node, shape: readonly number[], sourceShape: readonly number[] | undefined): ClosedForm | undefined {
  const { axes } = r.attrs;
  if (sizeOf(shape) <= CLOSED_FORM_TERMS) return undefined;
  const terms = sizeOf(axes.map((a) => shape[a] as number));
  const d = r.dtype;
  if (operand.op === "fill") {
    const v = roundTo(d, operand.attrs.value);
    const value = roundTo(d, r.op === "reduceSum" ? timesCount(v, terms, d) : v);
    return { reads: undefined, kernel: (_x, out) => splatTensor(d, out.shape, value) };
  }
  if (operand.op !== "broadcast" || sourceShape === undefined) return undefined;
  const lead = shape.length - sourceShape.length;
  let copies = 1;
  const own: number[] = [];
  for (const a of axes) {
    if (a < lead || (sourceShape[a - lead] === 1 && shape[a] !== 1)) copies *= shape[a] as number;
    else own.push(a - lead);
  }
  if (copies === 1) return undefined;
  const kept = shape.map((s, i) => (axes.includes(i) ? 1 : s));
  return {
    reads: operand.inputs[0],
    kernel: (x, out) => {
      const src = x as Tensor;
      // The operand reduced over its own axes (as the reference reduces), then the copies.
      const reducedShape = sourceShape.map((s, i) => (own.includes(i) ? 1 : s));
      const acc = new Float64Array(sizeOf(reducedShape)).fill(r.op === "reduceSum" ? 0 : -Infinity);
      reduceInto(sourceShape, src.data, own, r.op === "reduceSum" ? (a, v) => a + v : Math.max, acc);
      const y = acc.map((v) => roundTo(d, r.op === "reduceSum" ? timesCount(roundTo(d, v), copies, d) : v));
      const data = allocate(d, sizeOf(out.shape));
      copyView(y, broadcastView(contiguous(reducedShape), kept), data, contiguous(kept));
      return new Tensor(d, out.shape, data);
    },
  };
}

function splatTensor(d: Reduction["dtype"], shape: readonly number[], value: number): Tensor {
  const data = allocate(d, sizeOf(shape));
  data.fill(value);
  return new Tensor(d, shape, data);
}
