import type { DType } from "../../ir/dtype.js";
import { GraphgradError } from "../../ir/errors.js";
import { formatShape } from "../../ir/shape.js";
import { sigmoid } from "../composites.js";
import * as arg from "../args.js";
import type { Expr } from "../expr.js";
import { add, concat, fill, matmul, mul, slice, tanh } from "../ops.js";
import { glorotUniform, type Initializer, type ParamSpec, zeros } from "./init.js";
import { createParam } from "./params.js";
import { checkPrefix, type Prefix, prefixOf } from "./scope.js";
import type { RNNCell } from "./rnn.js";

/** The state of an LSTM cell (TF's LSTMStateTuple): memory c and output h, both [batch, units]. */
export interface LSTMState {
  readonly c: Expr;
  readonly h: Expr;
}

/** Kernel [inputSize + units, 4·units] and bias [4·units], gate blocks in the order i, j, f, o. */
export interface LSTMParams {
  readonly kernel: Expr;
  readonly bias: Expr;
  readonly inputSize: number;
  readonly units: number;
  readonly specs: readonly ParamSpec[];
}

export interface LSTMParamsOptions {
  /** Default: Glorot uniform (TF's default variable initializer); the PTB seed uses uniform ±initScale. */
  readonly kernelInit?: Initializer;
  /** Default: zeros (TF's BasicLSTMCell bias, whatever the scope's initializer). */
  readonly biasInit?: Initializer;
  readonly dtype?: DType;
}

/** Creates `${prefix}/kernel` [inputSize + units, 4·units] and `${prefix}/bias` [4·units]. */
export function lstmParams(prefix: Prefix, inputSize: number, units: number, options: LSTMParamsOptions = {}): LSTMParams {
  checkPrefix("nn.lstmParams", prefix);
  arg.number("nn.lstmParams", inputSize, "inputSize", { integer: true, min: 0 });
  arg.number("nn.lstmParams", units, "units", { integer: true, min: 1 });
  arg.options("nn.lstmParams", options);
  const { kernelInit = glorotUniform(), biasInit = zeros(), dtype = "float32" } = options;
  const kernel = createParam(`${prefixOf(prefix)}/kernel`, [inputSize + units, 4 * units], kernelInit, dtype);
  const bias = createParam(`${prefixOf(prefix)}/bias`, [4 * units], biasInit, dtype);
  return { kernel: kernel.param, bias: bias.param, inputSize, units, specs: [kernel.spec, bias.spec] };
}

/**
 * Parameters of `layers` stacked LSTM cells named `${prefix}0/...`, `${prefix}1/...`: layer 0 reads
 * inputs of `inputSize`, the others the `units` outputs of the layer below.
 */
export function lstmStackParams(prefix: Prefix, inputSize: number, units: number, layers: number, options: LSTMParamsOptions = {}): LSTMParams[] {
  checkPrefix("nn.lstmStackParams", prefix);
  arg.number("nn.lstmStackParams", layers, "layers", { integer: true, min: 1, max: 4096 });
  return Array.from({ length: layers }, (_, l) => lstmParams(`${prefixOf(prefix)}${l}`, l === 0 ? inputSize : units, units, options));
}

/**
 * One step of TF's BasicLSTMCell:
 *   [i, j, f, o] = split(concat([x, h], 1)·kernel + bias, 4, axis 1)
 *   c' = c·σ(f + forgetBias) + σ(i)·tanh(j)
 *   h' = tanh(c')·σ(o)
 * and the output is h'.
 */
export function lstmStep(x: Expr, state: LSTMState, p: { readonly kernel: Expr; readonly bias: Expr }, forgetBias = 1): readonly [Expr, LSTMState] {
  arg.expr("nn.lstm", x, "the input");
  arg.record("nn.lstm", state, "the state");
  arg.expr("nn.lstm", state.c, "the state's c");
  arg.expr("nn.lstm", state.h, "the state's h");
  arg.number("nn.lstm", forgetBias, "forgetBias");
  const units = unitsOf(p);
  const inputSize = (p.kernel.shape[0] as number) - units;
  if (x.rank !== 2 || x.shape[1] !== inputSize) {
    throw new GraphgradError("nn.lstm", `the input must be [batch, ${inputSize}] for kernel ${formatShape(p.kernel.shape)}, got ${formatShape(x.shape)}`);
  }
  const z = add(matmul(concat([x, state.h], 1), p.kernel), p.bias);
  const gate = (k: number): Expr => slice(z, [0, k * units], [-1, units]);
  const [i, j, f, o] = [gate(0), gate(1), gate(2), gate(3)];
  const c = add(mul(state.c, sigmoid(forgetBias === 0 ? f : add(f, forgetBias))), mul(sigmoid(i), tanh(j)));
  const h = mul(tanh(c), sigmoid(o));
  return [h, { c, h }];
}

function unitsOf(p: { readonly kernel: Expr; readonly bias: Expr }): number {
  arg.record("nn.lstm", p, "the parameters");
  arg.expr("nn.lstm", p.kernel, "kernel");
  arg.expr("nn.lstm", p.bias, "bias");
  const [rows, cols] = p.kernel.shape;
  const b = p.bias.shape[0];
  if (p.kernel.rank !== 2 || typeof rows !== "number" || typeof cols !== "number" || cols % 4 !== 0 || p.bias.rank !== 1 || b !== cols || rows <= cols / 4) {
    throw new GraphgradError("nn.lstm", `need kernel [inputSize + units, 4·units] and bias [4·units], got ${formatShape(p.kernel.shape)} and ${formatShape(p.bias.shape)}`);
  }
  return cols / 4;
}

/** An LSTM cell (TF's BasicLSTMCell with state_is_tuple) over the given parameters; forgetBias defaults to 1. */
export function lstmCell(p: { readonly kernel: Expr; readonly bias: Expr }, options: { readonly forgetBias?: number } = {}): RNNCell<LSTMState> {
  arg.options("nn.lstmCell", options);
  const { forgetBias = 1 } = options;
  arg.number("nn.lstmCell", forgetBias, "forgetBias");
  const units = unitsOf(p);
  return {
    outputSize: units,
    step: (x, state) => lstmStep(x, state, p, forgetBias),
    zeroState: (batch, dtype = p.kernel.dtype) => ({ c: fill([batch, units], 0, dtype), h: fill([batch, units], 0, dtype) }),
  };
}
