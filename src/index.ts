// The WebGPU types the backend's declarations use, kept in the shipped index.d.ts (TypeScript drops
// reference directives from declarations unless they say preserve="true").
/// <reference types="@webgpu/types" preserve="true" />
/**
 * graphgrad: machine-learning models as pure, immutable expression graphs.
 * See README.md for the API; every export below is documented there.
 */
export { Expr, type ExprLike } from "./expr.js";
export * from "./ops.js";
export * from "./composites.js";
export { conv, convTranspose, reverse, type ConvOptions, type ConvTransposeOptions, type Layout, type Padding } from "./conv.js";
export { avgPool, maxPool, type PoolOptions } from "./pool.js";
export { grad, type Gradients } from "./grad.js";
export { customVjp, hessian, hvp, jacobian, jvp, scan, vmap, type CustomVjpRule, type ExprTree, type ScanOptions, type VmapOptions, type VmapResult } from "./transforms/index.js";
export { clipByGlobalNormOf as clipByGlobalNorm } from "./optim/clip.js";
export { compile, evaluate, graph, type Compiled, type CompileOptions, type Feeds, type TensorLike, type NamesOf, type BoundNames } from "./compile.js";
export * as random from "./random.js";
export { js } from "../backends/js/index.js";
export { wasm, type WasmOptions, type WasmExecutable, type WasmProgramStats, type WasmProfile, type WasmProfileEntry } from "../backends/wasm/index.js";
export type { Backend, BoundFeed, BoundOutputs, BoundResult, BoundRun, CompileHints, Executable } from "../backends/backend.js";
export { Tensor, tensor, tensorFrom, type NestedArray } from "../ir/tensor.js";
export { GraphgradError } from "../ir/errors.js";
export type { DType } from "../ir/dtype.js";
export type { Dim, Shape } from "../ir/shape.js";
export type { Graph, Pass } from "../ir/graph.js";
export * as losses from "./losses.js";
export * as optim from "./optim/index.js";
export * as schedules from "./optim/all-schedules.js";
export { trainStep, paramsOf, type TrainStep, type TrainStepConfig, type TrainState, type Regularization, type EmaConfig, type StepMetrics, type MetricRecord } from "./train.js";
export { encodeGraph, decodeGraph, graphToJsonString, graphFromJsonString, type GraphJson, type NodeJson } from "../ir/codec.js";
export { printGraph, toDot } from "../ir/print.js";
export * as nn from "./nn/index.js";
export * as init from "./nn/init.js";
export * as data from "./data/index.js";
export { fit, hooks, metrics, type FitOptions, type FitResult, type FitContext, type Hook, type EpochRecord, type ValidationOptions, type EvaluateFn, type MetricValues, type ProgressSink } from "./fit.js";
export * as checkpoint from "./io/checkpoint.js";
export * as tensorboard from "./tensorboard/index.js";
export * as onnx from "./onnx/index.js";
export { regression, REGRESSION_DEFAULTS, type Regression, type RegressionConfig, type RegressionFitOptions, type EvaluateOptions, type ModelFn, type ModelContext, type ModelLike, type InputSpec, type LossFn, type LossName, type MetricFn, type MetricName, type OptimizerName, type DataLike, type ValidationData } from "./regression.js";
export { webgpu, WEBGPU_ACCURACY, type WebGpuOptions, type WebGpuBackend, type WebGpuExecutable, type WebGpuProgramStats, type DeviceTensor, type DeviceRun } from "../backends/webgpu/index.js";
