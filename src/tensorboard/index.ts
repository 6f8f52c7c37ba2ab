/**
 * TensorBoard event files: `writer(logdir)` writes scalars, histograms and graphs that
 * `tensorboard --logdir` shows; `gg.hooks.tensorboard(logdir)` logs a `fit` run with one.
 */
export { writer, type SummaryWriter, type WriterOptions } from "./writer.js";
export type { GraphSource } from "./graph-def.js";
