import { GraphgradError } from "../../ir/errors.js";
import { formatShape, shapesEqual } from "../../ir/shape.js";
import { compile } from "../compile.js";
import { abs, add, fill, less, maximum, minimum, mul, where } from "../ops.js";
import * as random from "../random.js";
const zeros = () => (_key, shape, dtype = "float32") => fill(shape, 0, dtype);
const ones = () => (_key, shape, dtype = "float32") => fill(shape, 1, dtype);
const constant = (value2) => (_key, shape, dtype = "float32") => fill(shape, value2, dtype);
function uniform(options) {
  const [minval, maxval] = "scale" in options ? [-options.scale, options.scale] : [options.minval, options.maxval];
  if (!(maxval > minval)) throw new GraphgradError("init.uniform", `need minval < maxval, got [${minval}, ${maxval})`);
  return (key, shape, dtype = "float32") => random.uniform(key, shape, { dtype, minval, maxval });
}
function normal(options = {}) {
  const { mean = 0, stddev = 1 } = options;
  return (key, shape, dtype = "float32") => random.normal(key, shape, { dtype, mean, stddev });
}
const TRUNCATED_NORMAL_CANDIDATES = 8;
function truncatedNormal(options = {}) {
  const { mean = 0, stddev = 1 } = options;
  return (key, shape, dtype = "float32") => {
    const keys = random.split(key, TRUNCATED_NORMAL_CANDIDATES);
    const draws = keys.map((k) => random.normal(k, shape, { dtype }));
    const last = draws[draws.length - 1];
    let z = minimum(maximum(last, -2), 2);
    for (let i = draws.length - 2; i >= 0; i--) {
      const d = draws[i];
      z = where(less(abs(d), 2), d, z);
    }
    return mean === 0 && stddev === 1 ? z : add(mul(z, stddev), mean);
  };
}
function computeFans(shape) {
  const dims = shape.map((d) => {
    if (typeof d !== "number") throw new GraphgradError("init", `fans need a concrete shape, got ${formatShape(shape)}`);
    return d;
  });
  if (dims.length === 0) return { fanIn: 1, fanOut: 1 };
  if (dims.length === 1) return { fanIn: dims[0], fanOut: dims[0] };
  const receptive = dims.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: dims[dims.length - 2] * receptive, fanOut: dims[dims.length - 1] * receptive };
}
const TRUNCATED_NORMAL_STDDEV = 0.8796256610342398;
function varianceScaling(options = {}) {
  const { scale = 1, mode = "fanIn", distribution = "truncatedNormal" } = options;
  if (!(scale > 0)) throw new GraphgradError("init.varianceScaling", `scale must be positive, got ${scale}`);
  return (key, shape, dtype = "float32") => {
    const { fanIn, fanOut } = computeFans(shape);
    const n = Math.max(1, mode === "fanIn" ? fanIn : mode === "fanOut" ? fanOut : (fanIn + fanOut) / 2);
    const variance = scale / n;
    switch (distribution) {
      case "truncatedNormal":
        return truncatedNormal({ stddev: Math.sqrt(variance) / TRUNCATED_NORMAL_STDDEV })(key, shape, dtype);
      case "untruncatedNormal":
        return normal({ stddev: Math.sqrt(variance) })(key, shape, dtype);
      case "uniform":
        return uniform({ scale: Math.sqrt(3 * variance) })(key, shape, dtype);
    }
  };
}
const glorotUniform = () => varianceScaling({ scale: 1, mode: "fanAvg", distribution: "uniform" });
const glorotNormal = () => varianceScaling({ scale: 1, mode: "fanAvg", distribution: "truncatedNormal" });
async function value(initializer, key, shape, dtype = "float32", options = {}) {
  const r = await (await compile({ outputs: { value: initializer(key, shape, dtype) } }, options)).run();
  return r["value"];
}
async function values(specs, key, options = {}) {
  const outputs = {};
  const keys = specs.length === 0 ? [] : random.split(key, specs.length);
  specs.forEach((s, i) => {
    if (outputs[s.name] !== void 0) throw new GraphgradError("init.values", `parameter '${s.name}' is listed twice`);
    const v = s.init(keys[i], s.shape, s.dtype);
    if (v.dtype !== s.dtype || !shapesEqual(v.shape, s.shape)) {
      throw new GraphgradError("init.values", `the initializer of '${s.name}' gave ${v.dtype}${formatShape(v.shape)}, not ${s.dtype}${formatShape(s.shape)}`);
    }
    outputs[s.name] = v;
  });
  if (specs.length === 0) return {};
  return (await compile({ outputs }, options)).run();
}
export {
  TRUNCATED_NORMAL_CANDIDATES,
  TRUNCATED_NORMAL_STDDEV,
  computeFans,
  constant,
  glorotNormal,
  glorotUniform,
  normal,
  ones,
  truncatedNormal,
  uniform,
  value,
  values,
  varianceScaling,
  zeros
};
