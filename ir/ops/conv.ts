import * as t from "io-ts";
import { type Either, left, right } from "fp-ts/lib/Either.js";
import type { Node } from "../node.js";
import type { BatchedArg, OpDef, TypeInfo } from "../op.js";
import { broadcastShapes, type Dim, formatShape } from "../shape.js";
import { alignBatched, shifted } from "./batching.js";
import { Axes, Int } from "./codecs.js";
import { type ConvAttrs, kernelSpan, outputSize, paddedSize } from "./conv-geometry.js";
import { convInputGrad, convKernelGrad } from "./conv-rules.js";

/**
 * The convolution family.
 *
 * conv(x, w): XLA's conv_general_dilated in one layout, channels last (TensorFlow's NHWC / HWIO):
 *   x [...B, N, S1..Sd, C], w [...B', K1..Kd, C/G, O] -> [...broadcast(B, B'), N, T1..Td, O]
 * with input (lhs) and kernel (rhs) dilation, strides, low/high padding (negative: cropping) per
 * spatial axis (see conv-geometry.ts) and G feature groups (output channel o reads the input
 * channels of group ⌊o/(O/G)⌋). The leading batch axes B broadcast as matmul's do: they make the
 * batching rule and the grouped kernel gradient plain convolutions, with no symbolic products.
 * Its VJPs are convolutions of the same primitive (the input's: the cotangent, dilated by the
 * strides, convolved with the flipped kernel; the kernel's: the input convolved with the
 * cotangent), so the rules close over themselves and derivatives of any order exist.
 *
 * reverse(x; axes): x read backwards along the axes (the kernel flip of the input's VJP).
 */
const ConvAttrsCodec = t.type(
  { strides: Axes, lo: Axes, hi: Axes, lhsDilation: Axes, rhsDilation: Axes, groups: Int },
  "ConvAttrs",
);

export const convAttrs = {
  conv: ConvAttrsCodec,
  reverse: t.type({ axes: Axes }, "ReverseAttrs"),
};


/** Checks the attributes of d spatial axes; the message, or undefined. */
function attrsProblem(a: ConvAttrs): string | undefined {
  const d = a.strides.length;
  if (d < 1) return "needs at least one spatial axis (one stride per spatial axis)";
  const lists = { lo: a.lo, hi: a.hi, lhsDilation: a.lhsDilation, rhsDilation: a.rhsDilation };
  for (const [name, v] of Object.entries(lists)) if (v.length !== d) return `${name} has ${v.length} entries for ${d} spatial axes (strides [${a.strides.join(",")}])`;
  for (const [name, v] of Object.entries({ strides: a.strides, lhsDilation: a.lhsDilation, rhsDilation: a.rhsDilation })) {
    if (v.some((s) => s < 1)) return `${name} must be positive integers, got [${v.join(",")}]`;
  }
  if (a.groups < 1) return `groups must be a positive integer, got ${a.groups}`;
  return undefined;
}

/** The channel counts: C (input) against G·(C/G) (kernel), O divisible by G; symbols only when ungrouped. */
function channelsProblem(c: Dim, cg: Dim, o: Dim, groups: number): string | undefined {
  if (groups === 1) return c === cg ? undefined : `the input has ${c} channels, the kernel ${cg} input channels`;
  if (typeof c !== "number" || typeof cg !== "number" || typeof o !== "number") return `channels must be known with ${groups} groups, got ${c} input, ${cg} per group, ${o} output`;
  if (c !== groups * cg) return `the input has ${c} channels, the kernel ${cg} per group × ${groups} groups = ${groups * cg}`;
  if (o % groups !== 0) return `${o} output channels do not divide into ${groups} groups`;
  return undefined;
}

function inferConv(xs: readonly TypeInfo[], a: ConvAttrs): Either<string, TypeInfo> {
  const [x, w] = xs as [TypeInfo, TypeInfo];
  const shapes = `input ${formatShape(x.shape)}, kernel ${formatShape(w.shape)}`;
  const bad = attrsProblem(a);
  if (bad !== undefined) return left(bad);
  const d = a.strides.length;
  if (x.dtype !== w.dtype) return left(`operand dtypes differ: ${x.dtype} vs ${w.dtype} (${shapes})`);
  if (x.dtype === "bool") return left(`needs numeric operands, got bool (${shapes})`);
  if (x.shape.length < d + 2) return left(`the input needs rank >= ${d + 2} ([batch, ${d} spatial, channels]) for ${d} spatial axes, got ${shapes}`);
  if (w.shape.length < d + 2) return left(`the kernel needs rank >= ${d + 2} ([${d} spatial, in/groups, out]) for ${d} spatial axes, got ${shapes}`);
  const xb = x.shape.length - d - 2;
  const wb = w.shape.length - d - 2;
  const spatial = x.shape.slice(xb + 1, xb + 1 + d);
  const kernel = w.shape.slice(wb, wb + d);
  if (![...spatial, ...kernel].every((s): s is number => typeof s === "number")) return left(`spatial sizes must be known, got ${shapes}`);
  const [c, cg, o] = [x.shape[x.shape.length - 1] as Dim, w.shape[w.shape.length - 2] as Dim, w.shape[w.shape.length - 1] as Dim];
  const channels = channelsProblem(c, cg, o, a.groups);
  if (channels !== undefined) return left(`${channels} (${shapes}, groups ${a.groups})`);
  const out: number[] = [];
  for (let i = 0; i < d; i++) {
    const [s, k] = [spatial[i] as number, kernel[i] as number];
    if (k < 1) return left(`kernel spatial sizes must be positive, got ${shapes}`);
    const size = outputSize(a, i, s, k);
    if (size < 0) {
      return left(`the kernel's span ${kernelSpan(a, i, k)} on spatial axis ${i} exceeds the padded input's ${paddedSize(a, i, s)} (${shapes}, padding [${a.lo[i]}, ${a.hi[i]}], dilations ${a.lhsDilation[i]}/${a.rhsDilation[i]})`);
    }
    out.push(size);
  }
  const batch = broadcastShapes([x.shape.slice(0, xb), w.shape.slice(0, wb)]);
  if (batch._tag === "Left") return left(`batch axes do not broadcast: ${shapes}`);
  return right({ shape: [...batch.right, x.shape[xb] as Dim, ...out, o], dtype: x.dtype });
}

function inferReverse(xs: readonly TypeInfo[], { axes }: { readonly axes: readonly number[] }): Either<string, TypeInfo> {
  const x = xs[0] as TypeInfo;
  const seen = new Set<number>();
  for (const ax of axes) {
    if (ax < 0 || ax >= x.shape.length) return left(`axis ${ax} is out of range for ${formatShape(x.shape)} (axes are normalized, 0 <= axis < rank)`);
    if (seen.has(ax)) return left(`axis ${ax} is repeated in [${axes.join(",")}]`);
    seen.add(ax);
  }
  return right({ shape: x.shape, dtype: x.dtype });
}

/** Per-example batch axes of a conv operand (rank minus the d spatial axes and the two others). */
const batchAxes = (a: BatchedArg, d: number): number => a.node.shape.length - (a.batched ? 1 : 0) - d - 2;

export const convOps: { readonly [K in keyof typeof convAttrs]: OpDef<K> } = {
  conv: {
    arity: 2,
    infer: inferConv,
    vjp: (n, g, b) => {
      const [x, w] = n.inputs as [Node, Node];
      return [convInputGrad(g, w, x.shape, n.attrs, b), convKernelGrad(x, g, w.shape, n.attrs, b)];
    },
    // Bilinear: d conv(x, w) = conv(dx, w) + conv(x, dw).
    jvp: (n, [tx, tw], b) => {
      const [x, w] = n.inputs as [Node, Node];
      const first = tx === null || tx === undefined ? null : b.emit("conv", [tx, w], n.attrs);
      const second = tw === null || tw === undefined ? null : b.emit("conv", [x, tw], n.attrs);
      return first === null ? second : second === null ? first : b.add(first, second);
    },
    // The vmap axis becomes a leading batch axis (a batched operand's per-example batch axes are
    // padded to the other's, so that the vmap axis stays first when they broadcast).
    batch: (n, args, b) => {
      const d = n.attrs.strides.length;
      const rank = Math.max(...args.map((a) => batchAxes(a, d))) + d + 2;
      return b.emit("conv", args.map((a) => alignBatched(a, rank, b)), n.attrs);
    },
  },
  reverse: {
    arity: 1,
    infer: inferReverse,
    vjp: (n, g, b) => [b.emit("reverse", [g], n.attrs)],
    jvp: (n, [t], b) => (t === null || t === undefined ? null : b.emit("reverse", [t], n.attrs)),
    batch: (n, [x], b) => b.emit("reverse", [(x as BatchedArg).node], { axes: shifted(n.attrs.axes) }),
  },
};

