import { GraphgradError } from "../../ir/errors.js";
import { formatShape } from "../../ir/shape.js";
import { sigmoid } from "../composites.js";
import { add, concat, fill, matmul, mul, slice, tanh } from "../ops.js";
import { glorotUniform, zeros } from "./init.js";
import { createParam } from "./params.js";
function lstmParams(prefix, inputSize, units, options = {}) {
  const { kernelInit = glorotUniform(), biasInit = zeros(), dtype = "float32" } = options;
  const kernel = createParam(`${prefix}/kernel`, [inputSize + units, 4 * units], kernelInit, dtype);
  const bias = createParam(`${prefix}/bias`, [4 * units], biasInit, dtype);
  return { kernel: kernel.param, bias: bias.param, inputSize, units, specs: [kernel.spec, bias.spec] };
}
function lstmStackParams(prefix, inputSize, units, layers, options = {}) {
  if (!(Number.isInteger(layers) && layers >= 1)) throw new GraphgradError("nn.lstmStackParams", `layers must be a positive integer, got ${layers}`);
  return Array.from({ length: layers }, (_, l) => lstmParams(`${prefix}${l}`, l === 0 ? inputSize : units, units, options));
}
function specsOf(...groups) {
  return groups.flatMap((g) => g.specs);
}
function lstmStep(x, state, p, forgetBias = 1) {
  const units = unitsOf(p);
  const inputSize = p.kernel.shape[0] - units;
  if (x.rank !== 2 || x.shape[1] !== inputSize) {
    throw new GraphgradError("nn.lstm", `the input must be [batch, ${inputSize}] for kernel ${formatShape(p.kernel.shape)}, got ${formatShape(x.shape)}`);
  }
  const z = add(matmul(concat([x, state.h], 1), p.kernel), p.bias);
  const gate = (k) => slice(z, [0, k * units], [-1, units]);
  const [i, j, f, o] = [gate(0), gate(1), gate(2), gate(3)];
  const c = add(mul(state.c, sigmoid(forgetBias === 0 ? f : add(f, forgetBias))), mul(sigmoid(i), tanh(j)));
  const h = mul(tanh(c), sigmoid(o));
  return [h, { c, h }];
}
function unitsOf(p) {
  const [rows, cols] = p.kernel.shape;
  const b = p.bias.shape[0];
  if (p.kernel.rank !== 2 || typeof rows !== "number" || typeof cols !== "number" || cols % 4 !== 0 || p.bias.rank !== 1 || b !== cols || rows <= cols / 4) {
    throw new GraphgradError("nn.lstm", `need kernel [inputSize + units, 4\xB7units] and bias [4\xB7units], got ${formatShape(p.kernel.shape)} and ${formatShape(p.bias.shape)}`);
  }
  return cols / 4;
}
function lstmCell(p, options = {}) {
  const { forgetBias = 1 } = options;
  const units = unitsOf(p);
  return {
    outputSize: units,
    step: (x, state) => lstmStep(x, state, p, forgetBias),
    zeroState: (batch, dtype = p.kernel.dtype) => ({ c: fill([batch, units], 0, dtype), h: fill([batch, units], 0, dtype) })
  };
}
export {
  lstmCell,
  lstmParams,
  lstmStackParams,
  lstmStep,
  specsOf
};
