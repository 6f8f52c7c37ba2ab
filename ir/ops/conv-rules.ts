import type { Node } from "../node.js";
import type { Builders } from "../op.js";
import type { Dim, Shape } from "../shape.js";
import { type ConvAttrs, inputGradAttrs, kernelGradAttrs } from "./conv-geometry.js";

/**
 * The two VJPs of conv, as convolutions (see conv.ts and conv-geometry.ts). Both keep any
 * leading batch axes in front; the gradient driver sums the cotangents over the batch axes an
 * operand was broadcast along.
 */

const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);

/** Spatial sizes: `count` axes from `from` (known: the shape rule demands it). */
const sizes = (s: Shape, from: number, count: number): number[] => s.slice(from, from + count) as number[];

/**
 * The cotangent of the input x (shape `xShape`) for the cotangent g of conv(x, w): g dilated by
 * the strides and convolved with w flipped along its spatial axes, with each group's input and
 * output channels swapped ([..., K, C/G, O] -> [..., K, O/G, C]). This is also a transposed
 * convolution (gg.convTranspose).
 */
export function convInputGrad(g: Node, w: Node, xShape: Shape, a: ConvAttrs, b: Builders): Node {
  const d = a.strides.length;
  const wb = w.shape.length - d - 2;
  const kernel = sizes(w.shape, wb, d);
  const [cg, o] = [w.shape[wb + d] as number, w.shape[wb + d + 1] as number];
  const G = a.groups;
  let swapped: Node;
  if (G === 1) swapped = b.swapLast(w);
  else {
    // [..., K, Cg, G, Og] -> [..., K, Og, G, Cg] -> [..., K, Og, C]
    const lead = w.shape.slice(0, wb + d);
    const split = b.reshape(w, [...lead, cg, G, o / G]);
    const moved = b.transpose(split, [...range(0, wb + d), wb + d + 2, wb + d + 1, wb + d]);
    swapped = b.reshape(moved, [...lead, o / G, G * cg]);
  }
  const flipAxes = range(wb, d).filter((ax) => (w.shape[ax] as number) > 1);
  const flipped = flipAxes.length === 0 ? swapped : b.emit("reverse", [swapped], { axes: flipAxes });
  const xb = xShape.length - d - 2;
  const gb = g.shape.length - d - 2;
  return b.emit("conv", [g, flipped], inputGradAttrs(a, sizes(xShape, xb + 1, d), kernel, sizes(g.shape, gb + 1, d)));
}

/**
 * The cotangent of the kernel (shape `wShape`) for the cotangent g of conv(x, w): per group, the
 * input with its channels as the batch and its batch as the channels, convolved with g (its
 * spatial axes as the kernel's, batch as input and channels as output channels). The group is a
 * batch axis of that convolution.
 */
export function convKernelGrad(x: Node, g: Node, wShape: Shape, a: ConvAttrs, b: Builders): Node {
  const d = a.strides.length;
  const xb = x.shape.length - d - 2;
  const gb = g.shape.length - d - 2;
  const wb = wShape.length - d - 2;
  const attrs = kernelGradAttrs(a, sizes(x.shape, xb + 1, d), sizes(wShape, wb, d), sizes(g.shape, gb + 1, d));
  const G = a.groups;
  if (G === 1) {
    // x [..., N, S, C] -> [..., C, S, N]; g [..., N, T, O] -> [..., T, N, O]; [..., C, K, O] -> [..., K, C, O]
    const xt = b.transpose(x, [...range(0, xb), xb + 1 + d, ...range(xb + 1, d), xb]);
    const gt = b.transpose(g, [...range(0, gb), ...range(gb + 1, d), gb, gb + 1 + d]);
    const r = b.emit("conv", [xt, gt], attrs);
    const rb = r.shape.length - d - 2;
    return b.transpose(r, [...range(0, rb), ...range(rb + 1, d), rb, rb + d + 1]);
  }
  const [c, o] = [x.shape[xb + d + 1] as number, g.shape[gb + d + 1] as number];
  // x [..., N, S, G, Cg] -> [..., G, Cg, S, N]; g [..., N, T, G, Og] -> [..., G, T, N, Og]
  const xs = b.reshape(x, [...x.shape.slice(0, xb + d + 1), G, c / G]);
  const xt = b.transpose(xs, [...range(0, xb), xb + d + 1, xb + d + 2, ...range(xb + 1, d), xb]);
  const gs = b.reshape(g, [...g.shape.slice(0, gb + d + 1), G, o / G]);
  const gt = b.transpose(gs, [...range(0, gb), gb + d + 1, ...range(gb + 1, d), gb, gb + d + 2]);
  // [..., G, Cg, K, Og] -> [..., K, Cg, G, Og] -> [..., K, Cg, O]
  const r = b.emit("conv", [xt, gt], attrs);
  const rb = r.shape.length - d - 3;
  const moved = b.transpose(r, [...range(0, rb), ...range(rb + 2, d), rb + 1, rb, rb + d + 2]);
  return b.reshape(moved, [...moved.shape.slice(0, rb + d + 1), o as Dim]);
}
