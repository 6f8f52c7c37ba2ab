import type { Backend } from "../../backends/backend.js";
import type { Tensor } from "../../ir/tensor.js";
import type { Compiled, Feeds, NamesOf, TensorLike } from "../compile.js";
import type { Expr } from "../expr.js";
import type { GradientTransformation, TransformState } from "../optim/transform.js";
import type { Concrete, Params } from "../optim/tree.js";

/** The public types of `trainStep`: its configuration, its state, and the step itself. */

export interface Regularization {
  /** Coefficient of Σ l2Loss(w) (TF's l2_regularizer(scale): scale·Σw²/2). */
  readonly l2?: number;
  /** Coefficient of Σ|w|. */
  readonly l1?: number;
  /** The parameters regularized; default: the weights, i.e. every parameter of rank >= 2 (not biases). */
  readonly params?: readonly string[];
}

export interface EmaConfig {
  readonly decay: number;
  /** TF's num_updates: decay = min(decay, (1 + n)/(10 + n)) with n the step count after this update. */
  readonly numUpdates?: boolean;
}

/**
 * The configuration of `trainStep`. Its type parameters record what the step reports, so that
 * `run`'s metrics and outputs are typed by name: S the optimizer state, K the optimizer's metric
 * names (`"lr"`, `"gradNorm"`), M the `metrics` keys, O the `outputs` keys, R the regularization,
 * L the loss (undefined when only `grads` are given) and N the `gradNorm` option.
 */
export interface TrainStepConfig<
  S extends TransformState = TransformState,
  K extends string = string,
  M extends string = string,
  O extends string = string,
  R extends Regularization | undefined = Regularization | undefined,
  L extends Expr | undefined = Expr | undefined,
  N extends boolean | undefined = boolean | undefined,
> {
  /** The scalar loss: differentiated with respect to the trained parameters (unless `grads` are given), and reported as the metric `loss`. */
  readonly loss?: L;
  /**
   * Gradients computed by the caller, parameter name -> gradient (TF's `apply_gradients`): e.g.
   * clipped or averaged by you. The step applies them with the optimizer instead of
   * differentiating `loss`; the trained parameters are their keys. `regularization` needs `loss`.
   */
  readonly grads?: Readonly<Record<string, Expr>>;
  readonly optimizer: GradientTransformation<S, K>;
  /** The parameters; default: every `param` the loss (or the gradients) and the `updates` depend on. */
  readonly params?: readonly Expr[];
  /** Names of the parameters to train; default: all but the `updates` targets (with `grads`: their keys). The others are fed, not trained. */
  readonly trainable?: readonly string[];
  /** Penalties added to the loss; the metric `totalLoss` reports the sum. */
  readonly regularization?: R;
  /** Exponential moving averages of the parameters (and of the metrics). */
  readonly ema?: EmaConfig;
  /**
   * New values for non-trained parameters, computed in the same graph from the batch and the
   * parameters before the update (TF's UPDATE_OPS grouped with the train op: batch-norm moving
   * statistics). Keys must be parameters that are not trainable.
   */
  readonly updates?: Readonly<Record<string, Expr>>;
  /**
   * Report the gradients' global norm as the metric `gradNorm` (default true). `false` leaves out
   * its reductions over every gradient when nothing else needs them (a global-norm clip in the
   * optimizer reports `gradNorm` itself).
   */
  readonly gradNorm?: N;
  /** Extra scalar metrics computed in the same graph (e.g. accuracy). */
  readonly metrics?: Readonly<Record<M, Expr>>;
  /**
   * Auxiliary outputs of any shape computed in the same graph from the batch and the parameters
   * before the update (e.g. an RNN's final state, fed back as the next batch's initial state).
   * `run` returns them as tensors, by name, as the third element of its result.
   */
  readonly outputs?: Readonly<Record<O, Expr>>;
  readonly backend?: Backend | "js" | "wasm";
  /**
   * `run` consumes the state it is given (JAX's donate_argnums; TensorFlow updates variables in
   * place): the arrays of a state returned by an earlier `run` are reused for the new state's
   * parameters, optimizer state and moving averages, so a step allocates nothing for them. The
   * given state must not be used afterwards: running or evaluating it again is an error, and its
   * tensors hold the new values. States from `init` are never overwritten. Default false.
   */
  readonly donate?: boolean;
  /**
   * Name the op that first produced a NaN or ±Infinity when a step's results hold one (see
   * `compile`'s option of the same name): `run` throws a GraphgradError instead of returning a
   * broken state. The step then writes no donated arrays (it allocates its results). Default false.
   */
  readonly debugNonFinite?: boolean;
}

export interface TrainState<S extends TransformState = TransformState> {
  readonly params: Params<Tensor>;
  readonly opt: Concrete<S>;
  /** Updates applied so far: the global step every schedule of the optimizer reads. */
  readonly step: number;
  /** EMA shadows of the parameters (`ema` configured), else empty. */
  readonly ema: Params<Tensor>;
  /** EMA of the metrics (`ema` configured), else empty. */
  readonly emaMetrics: Readonly<Record<string, number>>;
}

/** Metric values by name. */
export type MetricRecord = Readonly<Record<string, number>>;

/** `{ readonly name: number }` when the type says the value is there, optional when it may be, nothing when it is not. */
type Reported<Name extends string, T> = [T] extends [undefined] ? unknown : undefined extends T ? { readonly [P in Name]?: number } : { readonly [P in Name]: number };

/** Flattens an intersection for readable hovers. */
type Simplify<T> = { [P in keyof T]: T[P] } & {};

/** `"gradNorm"` unless the `gradNorm` option is false. */
type GradNormKey<N> = [N] extends [false] ? never : "gradNorm";

/**
 * The metrics `run` returns: `gradNorm` (the gradients' global norm; not with `gradNorm: false`),
 * the optimizer's (K: `lr`, ...), your `metrics` (M), `loss` when a loss is given (L) and
 * `totalLoss` with regularization (R).
 */
export type StepMetrics<K extends string, M extends string, R, L, N = true> = Simplify<{ readonly [P in GradNormKey<N> | K | M]: number } & Reported<"loss", L> & Reported<"totalLoss", R>>;

export interface TrainStep<S extends TransformState = TransformState, M extends MetricRecord = MetricRecord, O extends string = string> {
  /** The compiled step (its graph and backend). */
  readonly compiled: Compiled;
  /** Parameter names, and which of them are trained. */
  readonly paramNames: readonly string[];
  readonly trainable: readonly string[];
  /** Whether `run` consumes the state it is given (`donate: true`): a state kept past the next step must then be copied. */
  readonly donate: boolean;
  /** The initial state from initial parameter values (optimizer state built in the graph too). */
  init(params: Readonly<Record<string, TensorLike>>): Promise<TrainState<S>>;
  /** One step. Pure: `state` is unchanged; a new state, the metrics and the `outputs` (empty if none configured) are returned. */
  run(state: TrainState<S>, batch: Feeds): Promise<readonly [TrainState<S>, M, Readonly<Record<O, Tensor>>]>;
  /**
   * The same state with its global step set to `step`: the next `run` applies update step + 1 and
   * every schedule in the optimizer reads `step` (e.g. to resume a schedule from TF's global_step).
   * With `donate`, a state made by `run` is consumed (its arrays pass to the new state).
   */
  withStep(state: TrainState<S>, step: number): TrainState<S>;
  /** Compiles named outputs of the model (e.g. predictions) to evaluate with a state's parameters; results are keyed as `outputs`. */
  evaluator<const E extends Readonly<Record<string, Expr>>>(outputs: E): Promise<(state: TrainState<S>, batch: Feeds, useEma?: boolean) => Promise<Record<NamesOf<E>, Tensor>>>;
}
