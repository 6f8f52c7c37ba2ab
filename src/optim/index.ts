export { type GradientTransformation, type TransformState, type UpdateResult, type UpdateContext, type Metrics, type MetricNamesOf, type ChainState, type EmptyState, chain, identity, scale, stateless, applyUpdates, scheduleCount } from "./transform.js";
export { type Params, type Concrete, flattenTree, mapTree, mapParams } from "./tree.js";
export { scaleByLearningRate, type ScaleByScheduleState } from "./learning-rate.js";
export { traceMomentum, emaMomentum, type TraceState, type EmaState } from "./momentum.js";
export { scaleByAdagrad, scaleByRms, scaleByAdam, scaleByAdadelta, type AdagradState, type RmsState, type AdamState, type AdadeltaState } from "./adaptive.js";
export { clipByGlobalNorm, clipByValue, clipByNorm, globalNorm } from "./clip.js";
export { sgd, momentum, sgdm, adagrad, rmsprop, adam, adadelta } from "./aliases.js";
export type { LearningRate, Schedule } from "./schedules.js";
