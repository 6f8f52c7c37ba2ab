import { GraphgradError } from "../../ir/errors.js";
import type { Tensor } from "../../ir/tensor.js";
import type { TransformState } from "../optim/transform.js";
import type { Concrete, Params } from "../optim/tree.js";
import type { TrainState } from "./types.js";

/**
 * A TrainState returned by `run` (frozen, with the same fields as any TrainState). Its private
 * fields remember which train step made it (so `donate` reuses only arrays the step allocated
 * itself) and whether it was donated; private fields stay writable in a frozen object.
 */
export class RunState<S extends TransformState> implements TrainState<S> {
  readonly params: Params<Tensor>;
  readonly opt: Concrete<S>;
  readonly step: number;
  readonly ema: Params<Tensor>;
  readonly emaMetrics: Readonly<Record<string, number>>;
  readonly #maker: object;
  #donated = false;

  constructor(maker: object, params: Params<Tensor>, opt: Concrete<S>, step: number, ema: Params<Tensor>, emaMetrics: Readonly<Record<string, number>>) {
    this.params = params;
    this.opt = opt;
    this.step = step;
    this.ema = ema;
    this.emaMetrics = emaMetrics;
    this.#maker = maker;
    Object.freeze(this);
  }

  static madeBy(s: object, maker: object): boolean {
    return s instanceof RunState && s.#maker === maker;
  }

  static donated(s: object): boolean {
    return s instanceof RunState && s.#donated;
  }

  static setDonated(s: object, donated: boolean): void {
    if (s instanceof RunState) s.#donated = donated;
  }
}

/** Throws when a state was donated to a later step (its arrays hold newer values). */
export function checkNotDonated(state: TrainState, where: string): void {
  if (RunState.donated(state)) {
    throw new GraphgradError(where, `the state at step ${state.step} was donated to a later step (trainStep({ donate: true })): its arrays now hold newer values; use the state that step returned`);
  }
}

/** The largest step an int32 step counter holds. */
const MAX_STEP = 2 ** 31 - 2;

/**
 * `state` with its global step set to `step`. A state made by this train step stays one (its
 * arrays may be donated later); with `donate`, the given state is consumed, as by `run`, since the
 * two share their arrays.
 */
export function withStep<S extends TransformState>(state: TrainState<S>, step: number, maker: object, donate: boolean): TrainState<S> {
  checkNotDonated(state, "withStep");
  if (!Number.isInteger(step) || step < 0 || step > MAX_STEP) throw new GraphgradError("withStep", `step must be an integer in [0, ${MAX_STEP}] (an int32 count of updates), got ${step}`);
  if (!RunState.madeBy(state, maker)) return Object.freeze({ params: state.params, opt: state.opt, step, ema: state.ema, emaMetrics: state.emaMetrics });
  if (donate) RunState.setDonated(state, true);
  return new RunState(maker, state.params, state.opt, step, state.ema, state.emaMetrics);
}
