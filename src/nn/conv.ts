import type { DType } from "../../ir/dtype.js";
import { GraphgradError } from "../../ir/errors.js";
import { type Dim, formatShape } from "../../ir/shape.js";
import * as arg from "../args.js";
import { checkLayout, conv as convolve, type Layout, type Padding, perAxis, resolvePadding } from "../conv.js";
import type { Expr } from "../expr.js";
import { add, reshape } from "../ops.js";
import { glorotUniform, type Initializer, type ParamSpec, zeros } from "./init.js";
import { createParam } from "./params.js";
import { checkPrefix, type Prefix, prefixOf } from "./scope.js";

/**
 * A convolution layer (Keras' Conv1D/2D/3D, Flax's nn.Conv): `convParams` creates the kernel
 * [...window, inChannels/groups, outChannels] (HWIO, the layout gg.conv reads for both image
 * layouts) and the bias [outChannels]; `conv` applies gg.conv and adds the bias on the channel axis.
 */
export interface ConvParams {
  readonly kernel: Expr;
  readonly bias?: Expr;
  /** Feature groups the kernel was made for (`conv` uses them). */
  readonly groups: number;
  readonly specs: readonly ParamSpec[];
}

/** What `conv` reads: a kernel, an optional bias, and the groups (a `ConvParams`, or weights made by hand). */
export interface ConvWeights {
  readonly kernel: Expr;
  readonly bias?: Expr | undefined;
  readonly groups?: number | undefined;
}

export interface ConvParamsConfig {
  readonly inChannels: number;
  readonly outChannels: number;
  /** The window: one size for every spatial axis, or one per axis (its length is the number of spatial axes). */
  readonly kernelSize: number | readonly number[];
  /** 1, 2 or 3; default the length of a per-axis `kernelSize`, else 2. */
  readonly spatialDims?: number;
  /** Feature groups (default 1; depthwise: inChannels); both channel counts must divide by them. */
  readonly groups?: number;
  /** Default true. */
  readonly useBias?: boolean;
  /**
   * Default Glorot uniform, ±√(6 / (fanIn + fanOut)) with fanIn = inChannels/groups × window
   * volume and fanOut = outChannels × window volume: Keras' default for Conv layers, and this
   * library's for dense kernels, so a CNN starts as it would in Keras. (Flax's nn.Conv uses LeCun
   * normal; for deep ReLU stacks He's `init.varianceScaling({ scale: 2 })` may train better.)
   */
  readonly kernelInit?: Initializer;
  /** Default zeros. */
  readonly biasInit?: Initializer;
  readonly dtype?: DType;
}

export interface ConvLayerOptions {
  /** Per spatial axis, or one for all (default 1). */
  readonly strides?: number | readonly number[];
  /** "valid" (default), "same" or [lo, hi] per spatial axis, as gg.conv. */
  readonly padding?: Padding;
  /** The kernel's dilation, per spatial axis or one for all (default 1). */
  readonly dilation?: number | readonly number[];
  /** Default the weights' `groups`, else 1; if both are given they must agree. */
  readonly groups?: number;
  /** "NHWC" (default, channels last, as gg.conv) or "NCHW"; the kernel is HWIO in both. */
  readonly layout?: Layout;
}

const size = { integer: true, min: 1 } as const;

/** Creates `${prefix}/kernel` [...window, inChannels/groups, outChannels] and `${prefix}/bias` [outChannels] (prefix: a string or a scope). */
export function convParams(prefix: Prefix, config: ConvParamsConfig): ConvParams {
  const where = "nn.convParams";
  checkPrefix(where, prefix);
  arg.record(where, config, "the config ({ inChannels, outChannels, kernelSize })");
  const { inChannels, outChannels, kernelSize, groups = 1, useBias = true, kernelInit = glorotUniform(), biasInit = zeros(), dtype = "float32" } = config;
  arg.number(where, inChannels, "config.inChannels", size);
  arg.number(where, outChannels, "config.outChannels", size);
  arg.number(where, groups, "config.groups", size);
  arg.boolean(where, useBias, "config.useBias");
  arg.func(where, kernelInit, "config.kernelInit");
  arg.func(where, biasInit, "config.biasInit");
  arg.dtype(where, dtype, "config.dtype");
  const window = windowOf(where, kernelSize, config.spatialDims);
  if (inChannels % groups !== 0 || outChannels % groups !== 0) {
    throw new GraphgradError(where, `config.groups ${groups} must divide config.inChannels ${inChannels} and config.outChannels ${outChannels}`);
  }
  const path = prefixOf(prefix);
  const kernel = createParam(`${path}/kernel`, [...window, inChannels / groups, outChannels], kernelInit, dtype);
  if (!useBias) return { kernel: kernel.param, groups, specs: [kernel.spec] };
  const bias = createParam(`${path}/bias`, [outChannels], biasInit, dtype);
  return { kernel: kernel.param, bias: bias.param, groups, specs: [kernel.spec, bias.spec] };
}

/** The window's sizes from `kernelSize` and `spatialDims`. */
function windowOf(where: string, kernelSize: unknown, spatialDims: unknown): number[] {
  arg.optionalNumber(where, spatialDims, "config.spatialDims", { integer: true, min: 1, max: 3 });
  if (typeof kernelSize === "number") {
    arg.number(where, kernelSize, "config.kernelSize", size);
    return new Array<number>(spatialDims ?? 2).fill(kernelSize);
  }
  if (!Array.isArray(kernelSize) || kernelSize.length < 1 || kernelSize.length > 3) arg.fail(where, "config.kernelSize", "a positive integer or 1 to 3 of them", kernelSize);
  kernelSize.forEach((k: unknown, i) => arg.number(where, k, `config.kernelSize[${i}]`, size));
  if (spatialDims !== undefined && spatialDims !== kernelSize.length) {
    throw new GraphgradError(where, `config.kernelSize [${kernelSize.join(",")}] has ${kernelSize.length} sizes for config.spatialDims ${spatialDims}`);
  }
  return [...(kernelSize as number[])];
}

/**
 * gg.conv(x, kernel, options) + bias on the channel axis: x [batch, ...spatial, inChannels]
 * (NHWC; [batch, inChannels, ...spatial] with layout "NCHW"), 1 to 3 spatial axes.
 */
export function conv(x: Expr, weights: ConvWeights, options: ConvLayerOptions = {}): Expr {
  const where = "nn.conv";
  arg.expr(where, x, "x");
  arg.record(where, weights, "the weights ({ kernel, bias? })");
  const { kernel, bias } = weights;
  arg.expr(where, kernel, "kernel");
  if (bias !== undefined) arg.expr(where, bias, "bias");
  arg.options(where, options);
  checkLayout(where, options.layout);
  const d = x.rank - 2;
  if (d < 1 || d > 3) throw new GraphgradError(where, `x needs rank 3, 4 or 5 (batch, 1 to 3 spatial axes, channels), got ${formatShape(x.shape)}`);
  if (kernel.rank !== d + 2) throw new GraphgradError(where, `the kernel ${formatShape(kernel.shape)} needs rank ${d + 2} ([...window, in/groups, out]) for x ${formatShape(x.shape)}`);
  const groups = groupsOf(weights.groups, options.groups);
  const channelAxis = options.layout === "NCHW" ? 1 : d + 1;
  checkChannels(x.shape[channelAxis] as Dim, kernel, groups, x);
  const outChannels = kernel.shape[d + 1] as Dim;
  if (bias !== undefined && (bias.rank !== 1 || bias.shape[0] !== outChannels)) {
    throw new GraphgradError(where, `bias must be [${String(outChannels)}] (the kernel's output channels), got ${formatShape(bias.shape)}`);
  }
  const strides = perAxis(where, "strides", listOrNumber(options.strides, "strides"), d, 1);
  const dilation = perAxis(where, "dilation", listOrNumber(options.dilation, "dilation"), d, 1);
  const sizes = (options.layout === "NCHW" ? x.shape.slice(2) : x.shape.slice(1, 1 + d)).map((s) => (typeof s === "number" ? s : 0));
  resolvePadding(where, options.padding, sizes, sizes, strides);
  const y = convolve(x, kernel, { strides, dilation, groups, ...(options.padding === undefined ? {} : { padding: options.padding }), ...(options.layout === undefined ? {} : { layout: options.layout }) });
  if (bias === undefined) return y;
  // Channels first: the bias [C] as [C, 1, ..., 1] broadcasts over the spatial axes.
  return add(y, options.layout === "NCHW" ? reshape(bias, [outChannels, ...new Array<number>(d).fill(1)]) : bias);
}

function listOrNumber(v: unknown, what: string): number | readonly number[] | undefined {
  if (v === undefined || typeof v === "number" || Array.isArray(v)) return v as number | readonly number[] | undefined;
  return arg.fail("nn.conv", what, "a positive integer or one per spatial axis", v);
}

/** The groups: the weights', the options', or 1; both given must agree. */
function groupsOf(fromWeights: unknown, fromOptions: unknown): number {
  arg.optionalNumber("nn.conv", fromWeights, "the weights' groups", size);
  arg.optionalNumber("nn.conv", fromOptions, "groups", size);
  if (fromWeights !== undefined && fromOptions !== undefined && fromWeights !== fromOptions) {
    throw new GraphgradError("nn.conv", `groups ${fromOptions} differs from the weights' groups ${fromWeights}`);
  }
  return fromOptions ?? fromWeights ?? 1;
}

/** x's channels against the kernel's: C = groups × (C/groups), the output channels divisible by groups. */
function checkChannels(c: Dim, kernel: Expr, groups: number, x: Expr): void {
  const [perGroup, out] = kernel.shape.slice(-2) as [Dim, Dim];
  const shapes = `x ${formatShape(x.shape)}, kernel ${formatShape(kernel.shape)}, groups ${groups}`;
  if (typeof out === "number" && out % groups !== 0) throw new GraphgradError("nn.conv", `the kernel's ${out} output channels do not divide into ${groups} groups (${shapes})`);
  if (typeof c !== "number" || typeof perGroup !== "number") return; // symbolic: gg.conv compares them
  if (c !== groups * perGroup) {
    const hint = c % perGroup === 0 && groups === 1 ? ` (a grouped kernel? pass groups: ${c / perGroup})` : "";
    throw new GraphgradError("nn.conv", `x has ${c} input channels, the kernel ${perGroup} per group × ${groups} groups = ${groups * perGroup}${hint} (${shapes})`);
  }
}
