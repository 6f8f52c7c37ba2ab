/**
 * graphgrad/testing: the property-testing kit graphgrad's own suite is built with. Works with any
 * test runner (each check throws an Error on failure); needs fast-check (a peer dependency).
 *
 * - `checkGrads`: derivatives (reverse and forward mode, any order) against finite differences;
 * - `arb`: fast-check arbitraries of shapes, tensors, keys and random well-typed graphs;
 * - `checkBackends`: one graph on several backends against the JS reference, in ULPs;
 * - `checkTransformation`, `checkSchedule`: the laws of optimizers and schedules.
 */
export { arb, GENERATED_OPS, sizeOf, type GraphOptions, type RandomGraph, type ShapeOptions, type TensorOptions, type ValueOptions } from "./arb/index.js";
export { checkGrads, type CheckGradsOptions, type GradCheckReport } from "./grads/check.js";
export type { GradComparison, Tolerance } from "./grads/compare.js";
export type { GradMode } from "./grads/derivative.js";
export type { GradInput, InputValues } from "./grads/inputs.js";
export { checkBackends, type BackendReport, type CheckBackendsOptions, type OutputDifference, type Results } from "./backends.js";
export type { BackendFeeds, BackendSubject } from "./backend-subject.js";
export { checkTransformation, type CheckTransformationOptions, type TransformationReport } from "./transformation.js";
export { checkSchedule, type CheckScheduleOptions, type ScheduleReport } from "./schedule.js";
export { ulpDistance } from "./ulps.js";
export { CheckFailure } from "./failure.js";
