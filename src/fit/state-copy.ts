import { Tensor } from "../../ir/tensor.js";
import { flattenTree, mapTree } from "../optim/tree.js";
import type { TrainState } from "../train.js";

/** The tensors of a state in a fixed order: parameters, optimizer-state leaves (tree order), EMA shadows. */
function leavesOf(state: TrainState): Tensor[] {
  const opt = flattenTree(state.opt).map(([, t]) => t as Tensor); // a state between steps holds tensors
  return [...Object.values(state.params), ...opt, ...Object.values(state.ema)];
}

/**
 * A copy of a train state held in arrays of its own and refreshed in place, so that keeping the
 * state of the last step costs one copy per step and no allocation: for train steps that donate
 * (overwrite) the state they run. Memory: one more copy of the parameters, optimizer state and
 * moving averages. The copy is handed out once (`take`); a new StateCopy starts afresh.
 */
export class StateCopy {
  #template: TrainState | undefined;
  #tensors: Tensor[] = [];

  /** Copies `state`'s values into this copy (allocating only when its tensors' sizes change). */
  refresh(state: TrainState): void {
    const leaves = leavesOf(state);
    const same = this.#tensors.length === leaves.length && leaves.every((t, i) => {
      const c = this.#tensors[i] as Tensor;
      return c.dtype === t.dtype && c.data.length === t.data.length;
    });
    if (!same) this.#tensors = leaves.map((t) => new Tensor(t.dtype, t.shape, t.data.slice()));
    else leaves.forEach((t, i) => (this.#tensors[i] as Tensor).data.set(t.data));
    this.#template = state;
  }

  /** The copied state (a plain state: a donating step never overwrites it), or undefined before the first refresh. */
  take(): TrainState | undefined {
    const s = this.#template;
    if (s === undefined) return undefined;
    let i = 0;
    const next = (): Tensor => this.#tensors[i++] as Tensor;
    const params = Object.freeze(Object.fromEntries(Object.keys(s.params).map((k) => [k, next()])));
    const optCopies = new Map(flattenTree(s.opt).map(([path]) => [path, next()] as const));
    const opt = mapTree(s.opt, (_leaf, path) => optCopies.get(path) as Tensor) as TrainState["opt"];
    const ema = Object.freeze(Object.fromEntries(Object.keys(s.ema).map((k) => [k, next()])));
    this.#template = undefined;
    this.#tensors = [];
    return Object.freeze({ params, opt, step: s.step, ema, emaMetrics: s.emaMetrics });
  }
}
