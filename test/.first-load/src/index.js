import { Expr } from "./expr.js";
export * from "./ops.js";
export * from "./composites.js";
import { grad } from "./grad.js";
import { compile, evaluate, graph } from "./compile.js";
import * as random from "./random.js";
import { js } from "../backends/js/index.js";
import { wasm } from "../backends/wasm/index.js";
import { Tensor, tensorFrom } from "../ir/tensor.js";
import { GraphgradError } from "../ir/errors.js";
import * as losses from "./losses.js";
import * as optim from "./optim/index.js";
import * as schedules from "./optim/schedules.js";
import { trainStep, paramsOf } from "./train.js";
import { encodeGraph, decodeGraph, graphToJsonString, graphFromJsonString } from "../ir/codec.js";
import { printGraph, toDot } from "../ir/print.js";
import * as nn from "./nn/index.js";
import * as init from "./nn/init.js";
import * as data from "./data/index.js";
import { fit, hooks, metrics } from "./fit.js";
import * as checkpoint from "./io/checkpoint.js";
import { regression, REGRESSION_DEFAULTS } from "./regression.js";
import { webgpu, WEBGPU_ACCURACY } from "../backends/webgpu/index.js";
export {
  Expr,
  GraphgradError,
  REGRESSION_DEFAULTS,
  Tensor,
  WEBGPU_ACCURACY,
  checkpoint,
  compile,
  data,
  decodeGraph,
  encodeGraph,
  evaluate,
  fit,
  grad,
  graph,
  graphFromJsonString,
  graphToJsonString,
  hooks,
  init,
  js,
  losses,
  metrics,
  nn,
  optim,
  paramsOf,
  printGraph,
  random,
  regression,
  schedules,
  tensorFrom,
  toDot,
  trainStep,
  wasm,
  webgpu
};
