import * as gg from "../../src/index.js";
import type { LSTMParams, LSTMState, ParamSpec } from "../../src/nn/index.js";
import type { PtbConfig } from "./configs.js";

/** The float dtype of a whole model: parameters, state, activations, losses. */
export type PtbDType = "float32" | "float64";
export const PTB_DTYPES: readonly PtbDType[] = ["float32", "float64"];

/**
 * The seed's `PTBModel` (seed 003) as graphgrad expressions:
 *
 *   inputs  = embedding_lookup(embedding [vocab, size], input_data [batch, steps])
 *   inputs  = dropout(inputs, keep_prob)                       (training and keep_prob < 1)
 *   cell    = MultiRNNCell([DropoutWrapper(BasicLSTMCell(size, forget_bias 0), output_keep_prob)] · layers)
 *   outputs, state = the cell unrolled num_steps from the initial state (statically, one copy
 *                    of the cell per step; or with `scan`, one gg.scan over the time axis)
 *   output  = reshape(concat(outputs, 1), [batch·steps, size])
 *   logits  = output·softmax_w + softmax_b                     [batch·steps, vocab]
 *   loss    = sequence_loss_by_example([logits], [reshape(targets, [-1])], [ones([batch·steps])])
 *   cost    = sum(loss) / batch
 *
 * The initial state of every layer (c and h) is a graph INPUT and the final state an output, so
 * the training loop carries the state from one batch to the next as the seed's `run_epoch` does
 * (feeding `state[i].c`, `state[i].h` back in). Inputs and outputs share the names of `stateNames`.
 */

/** Graph input names. */
export const INPUT_DATA = "input_data";
export const TARGETS = "targets";
/** The dropout key (int32[2]), an input only when the graph drops (training with keepProb < 1). */
export const DROPOUT_KEY = "dropout_key";

/** The names of the state tensors of layer l: `state/l/c` and `state/l/h` (inputs and outputs alike). */
export function stateNames(layer: number): { readonly c: string; readonly h: string } {
  return { c: `state/${layer}/c`, h: `state/${layer}/h` };
}

/** The variables, named after the seed's scopes (`model/embedding`, `model/RNN/cell0/...`, `model/softmax_w`, ...). */
export interface PtbParams {
  readonly embedding: gg.Expr;
  readonly cells: readonly LSTMParams[];
  readonly softmaxW: gg.Expr;
  readonly softmaxB: gg.Expr;
  /** Every variable with its initializer, for `gg.init.values`. */
  readonly specs: readonly ParamSpec[];
  /** The dtype of every variable, and so of the models built on them. */
  readonly dtype: PtbDType;
}

/**
 * The seed's variables under `tf.random_uniform_initializer(-init_scale, init_scale)`. The LSTM
 * biases start at 0: TF's BasicLSTMCell creates its bias with `constant_initializer(0.0)`,
 * which overrides the scope's initializer; every other variable is uniform ±init_scale.
 */
export function ptbParams(config: PtbConfig, options: { readonly dtype?: PtbDType } = {}): PtbParams {
  const { dtype = "float32" } = options;
  const init = gg.init.uniform({ scale: config.initScale });
  const { hiddenSize: size, vocabSize } = config;
  const embedding = gg.nn.embeddingParams("model/embedding", vocabSize, size, { init, dtype });
  const cells = gg.nn.lstmStackParams("model/RNN/cell", size, size, config.numLayers, { kernelInit: init, dtype });
  const softmaxW = gg.nn.createParam("model/softmax_w", [size, vocabSize], init, dtype);
  const softmaxB = gg.nn.createParam("model/softmax_b", [vocabSize], init, dtype);
  return {
    dtype,
    embedding: embedding.table,
    cells,
    softmaxW: softmaxW.param,
    softmaxB: softmaxB.param,
    specs: gg.nn.specsOf(embedding, ...cells, { specs: [softmaxW.spec, softmaxB.spec] }),
  };
}

export interface PtbModelOptions {
  /** The seed's `is_training`: dropout only when training (and keepProb < 1). */
  readonly training: boolean;
  /** Default: the config's (the seed's eval config uses batch 1, steps 1 for the test set). */
  readonly batchSize?: number;
  readonly numSteps?: number;
  /**
   * Run the cell with `nn.unroll(..., { scan: true })`: one `gg.scan` over the time axis instead
   * of a copy of the cell per step. The same values (the same dropout key for each step).
   */
  readonly scan?: boolean;
}

/** One instance of the model (the seed's `m`, `mvalid` or `mtest`): its inputs and outputs. */
export interface PtbModel {
  readonly batchSize: number;
  readonly numSteps: number;
  readonly inputData: gg.Expr;
  readonly targets: gg.Expr;
  /** Inputs, one state per layer. */
  readonly initialState: readonly LSTMState[];
  /** The dropout key input when the model drops, else undefined. */
  readonly dropoutKey: gg.Expr | undefined;
  /** Per-example loss, [batch·steps]. */
  readonly loss: gg.Expr;
  /** sum(loss) / batch: the seed's cost, whose exp(Σcost / Σsteps) is the perplexity. */
  readonly cost: gg.Expr;
  readonly finalState: readonly LSTMState[];
}

export function ptbModel(params: PtbParams, config: PtbConfig, options: PtbModelOptions): PtbModel {
  const { training } = options;
  const batchSize = options.batchSize ?? config.batchSize;
  const numSteps = options.numSteps ?? config.numSteps;
  const size = config.hiddenSize;
  const { dtype } = params;
  const inputData = gg.input(INPUT_DATA, [batchSize, numSteps], "int32");
  const targets = gg.input(TARGETS, [batchSize, numSteps], "int32");
  const initialState = params.cells.map((_, l) => {
    const n = stateNames(l);
    return { c: gg.input(n.c, [batchSize, size], dtype), h: gg.input(n.h, [batchSize, size], dtype) };
  });
  const drops = training && config.keepProb < 1;
  const dropoutKey = drops ? gg.input(DROPOUT_KEY, [2], "int32") : undefined;
  const [inputKey, cellKey] = dropoutKey === undefined ? [undefined, undefined] : gg.random.split(dropoutKey, 2);

  let inputs = gg.nn.embedding(inputData, params.embedding); // [batch, steps, size]
  if (inputKey !== undefined) inputs = gg.nn.dropout(inputs, { keepProb: config.keepProb, key: inputKey });
  const cells = params.cells.map((p) => {
    const lstm = gg.nn.lstmCell(p, { forgetBias: 0 });
    return drops ? gg.nn.dropoutCell(lstm, { outputKeepProb: config.keepProb }) : lstm;
  });
  const cell = gg.nn.multiCell(cells);
  const keyOption = cellKey === undefined ? {} : { key: cellKey };
  const { outputs, state } =
    options.scan === true
      ? gg.nn.unroll(cell, inputs, initialState, { ...keyOption, scan: true, timeAxis: 1 }) // outputs [batch, steps, size]
      : (() => {
          const unrolled = gg.nn.unroll(cell, gg.nn.unstack(inputs, 1), initialState, keyOption);
          return { outputs: gg.concat(unrolled.outputs, 1), state: unrolled.state }; // [batch, steps·size]
        })();
  // Either way row b·steps + t is batch row b at step t.
  const output = gg.reshape(outputs, [batchSize * numSteps, size]);
  const logits = gg.add(gg.matmul(output, params.softmaxW), params.softmaxB);
  const loss = gg.losses.sequenceLossByExample([logits], [gg.reshape(targets, [batchSize * numSteps])], [gg.ones([batchSize * numSteps], dtype)]);
  const cost = gg.div(gg.sum(loss), batchSize);
  return { batchSize, numSteps, inputData, targets, initialState, dropoutKey, loss, cost, finalState: state };
}

/** The final state as named outputs (`state/l/c`, `state/l/h`), to feed back as the next batch's initial state. */
export function stateOutputs(model: PtbModel): Record<string, gg.Expr> {
  const out: Record<string, gg.Expr> = {};
  model.finalState.forEach((s, l) => {
    const n = stateNames(l);
    out[n.c] = s.c;
    out[n.h] = s.h;
  });
  return out;
}

/** The seed's `cell.zero_state(batch_size)`: zeros for every layer's c and h, by input name. */
export function zeroState(config: PtbConfig, batchSize: number, dtype: PtbDType = "float32"): Record<string, gg.Tensor> {
  const out: Record<string, gg.Tensor> = {};
  const shape = [batchSize, config.hiddenSize];
  const size = batchSize * config.hiddenSize;
  const zeros = (): gg.Tensor => new gg.Tensor(dtype, shape, dtype === "float64" ? new Float64Array(size) : new Float32Array(size));
  for (let l = 0; l < config.numLayers; l++) {
    const n = stateNames(l);
    out[n.c] = zeros();
    out[n.h] = zeros();
  }
  return out;
}

/** The state tensors out of a run's outputs (everything named `state/...`). */
export function pickState(outputs: Readonly<Record<string, gg.Tensor>>): Record<string, gg.Tensor> {
  const out: Record<string, gg.Tensor> = {};
  for (const [k, v] of Object.entries(outputs)) if (k.startsWith("state/")) out[k] = v;
  return out;
}
