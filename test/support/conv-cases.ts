import fc from "fast-check";
import { type ConvAttrs, outputSize } from "../../ir/ops/conv-geometry.js";
import { arb } from "../../src/testing/index.js";

/**
 * Random convolutions for the tests of the conv primitive: 1 to 3 spatial axes, strides, input and
 * kernel dilation, padding (negative: cropping), groups and broadcast leading batch axes, every
 * window fitting its padded input.
 */
export interface ConvCase {
  readonly x: readonly number[];
  readonly w: readonly number[];
  readonly attrs: ConvAttrs;
}

export interface ConvCaseLimits {
  readonly maxSpatial?: number;
  readonly maxSize?: number;
  readonly maxKernel?: number;
  readonly maxBatchAxes?: number;
  readonly maxChannels?: number;
  readonly maxGroups?: number;
}

const axisArb = (maxSize: number, maxKernel: number) =>
  fc.record({
    size: fc.integer({ min: 1, max: maxSize }),
    kernel: fc.integer({ min: 1, max: maxKernel }),
    stride: fc.integer({ min: 1, max: 2 }),
    lhs: fc.integer({ min: 1, max: 2 }),
    rhs: fc.integer({ min: 1, max: 2 }),
    lo: fc.integer({ min: -1, max: 2 }),
    hi: fc.integer({ min: -1, max: 2 }),
  });

export function convCaseArb(limits: ConvCaseLimits = {}): fc.Arbitrary<ConvCase> {
  const { maxSpatial = 3, maxSize = 4, maxKernel = 3, maxBatchAxes = 1, maxChannels = 2, maxGroups = 2 } = limits;
  return fc
    .record({
      axes: fc.array(axisArb(maxSize, maxKernel), { minLength: 1, maxLength: maxSpatial }),
      groups: fc.integer({ min: 1, max: maxGroups }),
      cg: fc.integer({ min: 1, max: maxChannels }),
      og: fc.integer({ min: 1, max: maxChannels }),
      n: fc.integer({ min: 1, max: 2 }),
      batch: arb.broadcastShapes(2, { maxRank: maxBatchAxes, maxDim: 2 }),
    })
    .map(({ axes, groups, cg, og, n, batch: [bx, bw] }) => {
      const attrs: ConvAttrs = {
        strides: axes.map((a) => a.stride),
        lo: axes.map((a) => a.lo),
        hi: axes.map((a) => a.hi),
        lhsDilation: axes.map((a) => a.lhs),
        rhsDilation: axes.map((a) => a.rhs),
        groups,
      };
      return {
        x: [...(bx as number[]), n, ...axes.map((a) => a.size), groups * cg],
        w: [...(bw as number[]), ...axes.map((a) => a.kernel), cg, groups * og],
        attrs,
      };
    })
    .filter((c) => c.attrs.strides.every((_, i) => outputSize(c.attrs, i, c.x[c.x.length - c.attrs.strides.length - 1 + i] as number, c.w[c.w.length - c.attrs.strides.length - 2 + i] as number) >= 1));
}
