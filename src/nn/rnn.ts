import type { DType } from "../../ir/dtype.js";
import { GraphgradError } from "../../ir/errors.js";
import { type Dim, formatShape, normalizeAxis } from "../../ir/shape.js";
import * as arg from "../args.js";
import { Expr } from "../expr.js";
import { slice, squeeze, transpose } from "../ops.js";
import { scan } from "../transforms/scan.js";
import type { ExprTree } from "../transforms/tree.js";
import * as random from "../random.js";
import { dropout, type Training } from "./dropout.js";

/** What a cell's step receives besides its input and state: a key for its randomness (dropout). */
export interface StepContext {
  readonly key?: Expr | undefined;
}

/**
 * A recurrent cell (TF's RNNCell): one time step maps (input [batch, inputSize], state) to
 * (output [batch, outputSize], new state). Pure: the state is a value, threaded by the caller
 * or by `unroll`.
 */
export interface RNNCell<S> {
  readonly outputSize: number;
  step(x: Expr, state: S, context?: StepContext): readonly [Expr, S];
  /** The all-zero state for a batch size (a number, or a symbolic dimension such as x.shape[0]). */
  zeroState(batch: Dim, dtype?: DType): S;
}

/** Keys for `n` consumers of an optional key (undefined stays undefined). */
function splitKey(key: Expr | undefined, n: number): (Expr | undefined)[] {
  return key === undefined ? Array.from({ length: n }, () => undefined) : random.split(key, n);
}

/**
 * TF's MultiRNNCell: cells applied in sequence at each step, the output of one the input of the
 * next; the state is the list of the cells' states and the output is the last cell's output. The
 * step's key is split into one key per cell.
 */
export function multiCell<S>(cells: readonly RNNCell<S>[]): RNNCell<readonly S[]> {
  arg.array("nn.multiCell", cells, "the cells");
  cells.forEach((c, i) => checkCell("nn.multiCell", c, `cells[${i}]`));
  const last = cells[cells.length - 1];
  if (last === undefined) throw new GraphgradError("nn.multiCell", "needs at least one cell");
  return {
    outputSize: last.outputSize,
    step: (x, states, context = {}) => {
      if (states.length !== cells.length) throw new GraphgradError("nn.multiCell", `${cells.length} cells but ${states.length} states`);
      const keys = splitKey(context.key, cells.length);
      let out = x;
      const next = cells.map((cell, l) => {
        const [o, s] = cell.step(out, states[l] as S, { key: keys[l] });
        out = o;
        return s;
      });
      return [out, next];
    },
    zeroState: (batch, dtype) => cells.map((c) => c.zeroState(batch, dtype)),
  };
}

export interface DropoutCellOptions {
  readonly inputKeepProb?: number;
  readonly outputKeepProb?: number;
  /** Default true; false makes the wrapper a no-op. */
  readonly training?: Training;
}

/**
 * TF's DropoutWrapper: dropout on the cell's input and/or output at every step, with a fresh
 * mask per step drawn from the step's key (`unroll({ key })` gives each step its own key; a
 * missing key while training is an error).
 */
export function dropoutCell<S>(cell: RNNCell<S>, options: DropoutCellOptions): RNNCell<S> {
  checkCell("nn.dropoutCell", cell, "the cell");
  arg.record("nn.dropoutCell", options, "the options");
  const { inputKeepProb = 1, outputKeepProb = 1, training = true } = options;
  return {
    outputSize: cell.outputSize,
    step: (x, state, context = {}) => {
      const [kIn, kOut, kCell] = splitKey(context.key, 3);
      const xIn = dropout(x, { keepProb: inputKeepProb, key: kIn, training });
      const [o, s] = cell.step(xIn, state, { key: kCell });
      return [dropout(o, { keepProb: outputKeepProb, key: kOut, training }), s];
    },
    zeroState: (batch, dtype) => cell.zeroState(batch, dtype),
  };
}

/**
 * Runs a cell over time steps, returning the output of every step and the final state. With a
 * key, step t gets key t of split(key, steps).
 *
 * - Static unroll (as the PTB seed's loop over `inputs[:, t, :]`): `inputs` a list of steps; one
 *   copy of the cell's graph per step.
 * - `{ scan: true }`: `inputs` one tensor with time on `timeAxis` (default 1: [batch, steps, ...]);
 *   a `gg.scan` over the steps, the graph the size of one step; the outputs come back stacked on
 *   `timeAxis`. Same values as the static unroll, the same dropout keys per step included.
 */
export function unroll<S>(cell: RNNCell<S>, inputs: readonly Expr[], initialState: S, options?: { readonly key?: Expr }): { readonly outputs: Expr[]; readonly state: S };
export function unroll<S>(cell: RNNCell<S>, inputs: Expr, initialState: S, options: { readonly key?: Expr; readonly scan: true; readonly timeAxis?: number }): { readonly outputs: Expr; readonly state: S };
export function unroll<S>(
  cell: RNNCell<S>,
  inputs: readonly Expr[] | Expr,
  initialState: S,
  options: { readonly key?: Expr; readonly scan?: boolean; readonly timeAxis?: number } = {},
): { readonly outputs: Expr[] | Expr; readonly state: S } {
  checkCell("nn.unroll", cell, "the cell");
  arg.options("nn.unroll", options);
  if (options.key !== undefined) arg.expr("nn.unroll", options.key, "the key");
  if (options.scan === true) {
    if (!(inputs instanceof Expr)) throw new GraphgradError("nn.unroll", "the scan form takes one tensor with a time axis (e.g. [batch, steps, size]), not a list of steps");
    return unrollByScan(cell, inputs, initialState, options.key, options.timeAxis ?? 1);
  }
  if (inputs instanceof Expr) throw new GraphgradError("nn.unroll", "a tensor of steps needs { scan: true }; for a static unroll pass the list of steps (nn.unstack)");
  arg.exprList("nn.unroll", inputs, "the inputs");
  const keys = splitKey(options.key, inputs.length);
  let state = initialState;
  const outputs = inputs.map((x, t) => {
    const [o, s] = cell.step(x, state, { key: keys[t] });
    state = s;
    return o;
  });
  return { outputs, state };
}

/** The scan form of `unroll`: time moved to axis 0, the per-step keys (split's rows) scanned with the inputs. */
function unrollByScan<S>(cell: RNNCell<S>, inputs: Expr, initialState: S, key: Expr | undefined, timeAxis: number): { readonly outputs: Expr; readonly state: S } {
  const a = normalizeAxis(timeAxis, inputs.rank);
  if (a._tag === "Left") throw new GraphgradError("nn.unroll", `timeAxis: ${a.left} (inputs ${formatShape(inputs.shape)})`);
  const steps = inputs.shape[a.right] as Dim;
  const toFront = [a.right, ...inputs.shape.map((_, i) => i).filter((i) => i !== a.right)];
  const xs = transpose(inputs, toFront);
  // split(key, steps) is the rows of one [steps, 2] draw: the same keys the static unroll gives step t.
  const keys = key === undefined ? undefined : random.splitRows(key, steps);
  const body = (state: ExprTree, x: ExprTree): readonly [ExprTree, Expr] => {
    const { input, stepKey } = x as { input: Expr; stepKey?: Expr };
    const [o, next] = cell.step(input, state as unknown as S, { key: stepKey });
    return [next as unknown as ExprTree, o];
  };
  const [state, ys] = scan(body, initialState as unknown as ExprTree, keys === undefined ? { input: xs } : { input: xs, stepKey: keys });
  const back = toFront.map((_, i) => toFront.indexOf(i));
  return { outputs: transpose(ys as Expr, back), state: state as unknown as S };
}

/** The slices of x along `axis` (default 1, the time axis of [batch, steps, ...]), that axis removed. */
export function unstack(x: Expr, axis = 1): Expr[] {
  arg.expr("nn.unstack", x, "x");
  arg.number("nn.unstack", axis, "the axis", { integer: true });
  const a = normalizeAxis(axis, x.rank);
  if (a._tag === "Left") throw new GraphgradError("nn.unstack", `${a.left} (shape ${formatShape(x.shape)})`);
  const n = x.shape[a.right];
  if (typeof n !== "number") throw new GraphgradError("nn.unstack", `axis ${a.right} of ${formatShape(x.shape)} is symbolic`);
  return Array.from({ length: n }, (_, t) => {
    const begin = x.shape.map((_d, i) => (i === a.right ? t : 0));
    const size = x.shape.map((_d, i) => (i === a.right ? 1 : -1));
    return squeeze(slice(x, begin, size), a.right);
  });
}

/** A cell: an object with a `step` and a `zeroState` function (as `lstmCell` makes). */
function checkCell(where: string, c: unknown, what: string): void {
  arg.record(where, c, what);
  const cell = c as Readonly<Record<string, unknown>>;
  arg.func(where, cell["step"], `${what}.step`);
  arg.func(where, cell["zeroState"], `${what}.zeroState`);
}
