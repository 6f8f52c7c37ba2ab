import type { DType } from "../../ir/dtype.js";
import { GraphgradError } from "../../ir/errors.js";
import { toposort } from "../../ir/node.js";
import { Expr } from "../expr.js";
import { input } from "../ops.js";

/**
 * The model a `regression` trains, in one of three forms, resolved to its named inputs and to
 * two output expressions: one for training and one for inference (the same unless the model
 * asks for the `training` flag, e.g. for dropout).
 */

/** The name of the int32[2] key input fed with a fresh key at every training step. */
export const KEY_INPUT = "regression/key";

/** An input to create: its shape (`null` = any size, e.g. the batch), and dtype (default float32). */
export type InputSpec = readonly (number | string | null)[] | { readonly shape: readonly (number | string | null)[]; readonly dtype?: DType };

export interface ModelContext {
  /** True for the training graph, false for prediction and evaluation. */
  readonly training: boolean;
  /** An int32[2] random key (gg.random), a fresh one at every training step: for dropout. */
  readonly key: Expr;
}

/** What a model function returns: the output, or the output with new values of non-trained parameters (batch-norm statistics). */
export type ModelResult = Expr | { readonly output: Expr; readonly updates?: Readonly<Record<string, Expr>> };

export type ModelFn<K extends string = string> = (inputs: Readonly<Record<K, Expr>>, context: ModelContext) => ModelResult;

/**
 * The model: its output expression (the inputs are the `input`s it depends on); the output with
 * its inputs; or a function of the inputs (named in `inputs`) and a context.
 */
export type ModelLike<K extends string = string> = Expr | { readonly output: Expr; readonly inputs?: readonly Expr[] } | ModelFn<K>;

export interface ResolvedModel {
  /** The model's inputs by name (the key input excluded). */
  readonly inputs: Readonly<Record<string, Expr>>;
  readonly train: { readonly output: Expr; readonly updates: Readonly<Record<string, Expr>> };
  readonly infer: Expr;
}

/** The `input` (not `param`) expressions that expressions depend on, by name. */
export function inputsOf(...es: readonly Expr[]): Record<string, Expr> {
  const out: Record<string, Expr> = {};
  for (const n of toposort(es.map((e) => e.node))) {
    if (n.op === "input" && n.attrs.kind === "input" && n.attrs.name !== KEY_INPUT) out[n.attrs.name] = Expr.of(n);
  }
  return out;
}

/** Whether expressions depend on the input `name`. */
export function usesInput(name: string, ...es: readonly Expr[]): boolean {
  return toposort(es.map((e) => e.node)).some((n) => n.op === "input" && n.attrs.name === name);
}

function nameOfInput(e: Expr, where: string): string {
  if (!(e instanceof Expr) || e.node.op !== "input" || e.node.attrs.kind !== "input") {
    throw new GraphgradError("regression", `${where} must be an input(...) expression`);
  }
  return e.node.attrs.name;
}

function checkOutput(e: unknown, where: string): Expr {
  if (!(e instanceof Expr)) throw new GraphgradError("regression", `${where} must be an Expr, got ${typeof e}`);
  if (e.dtype !== "float32" && e.dtype !== "float64") throw new GraphgradError("regression", `${where} must be float32 or float64, got ${e.dtype}`);
  return e;
}

function isShape(s: InputSpec): s is readonly (number | string | null)[] {
  return Array.isArray(s);
}

function makeInput(name: string, spec: Expr | InputSpec): Expr {
  if (spec instanceof Expr) {
    const n = nameOfInput(spec, `inputs.${name}`);
    if (n !== name) throw new GraphgradError("regression", `inputs.${name} is the input '${n}': the key must be its name`);
    return spec;
  }
  const { shape, dtype = "float32" } = isShape(spec) ? { shape: spec } : spec;
  return input(name, shape, dtype);
}

function fromResult(r: ModelResult, training: boolean): { output: Expr; updates: Readonly<Record<string, Expr>> } {
  const where = `the model's ${training ? "training" : "inference"} output`;
  if (r instanceof Expr) return { output: checkOutput(r, where), updates: {} };
  if (typeof r !== "object" || r === null) throw new GraphgradError("regression", `the model function must return an Expr or { output, updates }, got ${r === null ? "null" : typeof r}`);
  return { output: checkOutput(r.output, where), updates: r.updates ?? {} };
}

export function resolveModel<K extends string>(model: ModelLike<K>, inputSpecs: Readonly<Record<K, Expr | InputSpec>> | undefined): ResolvedModel {
  if (typeof model === "function") {
    if (inputSpecs === undefined || Object.keys(inputSpecs).length === 0) {
      throw new GraphgradError("regression", "a model function needs `inputs`: the inputs to call it with, e.g. { x: [null, 4] }");
    }
    const inputs: Record<string, Expr> = {};
    for (const [name, spec] of Object.entries<Expr | InputSpec>(inputSpecs)) inputs[name] = makeInput(name, spec);
    const key = input(KEY_INPUT, [2], "int32");
    // `inputs` has exactly the keys of `inputSpecs`, i.e. K.
    const byName = inputs as Readonly<Record<K, Expr>>;
    const train = fromResult(model(byName, { training: true, key }), true);
    const infer = fromResult(model(byName, { training: false, key }), false);
    if (Object.keys(infer.updates).length > 0) throw new GraphgradError("regression", "the model returned updates with training false: updates belong to the training graph only");
    return { inputs, train, infer: infer.output };
  }
  if (model instanceof Expr) {
    const output = checkOutput(model, "the model");
    return { inputs: inputsOf(output), train: { output, updates: {} }, infer: output };
  }
  if (typeof model !== "object" || model === null || !("output" in model)) {
    throw new GraphgradError("regression", "model must be an output Expr, { output, inputs? } or a function (inputs, { training, key }) => Expr");
  }
  const output = checkOutput(model.output, "model.output");
  const needed = inputsOf(output);
  if (model.inputs === undefined) return { inputs: needed, train: { output, updates: {} }, infer: output };
  const inputs: Record<string, Expr> = {};
  model.inputs.forEach((e, i) => (inputs[nameOfInput(e, `model.inputs[${i}]`)] = e));
  const missing = Object.keys(needed).filter((n) => inputs[n] === undefined);
  if (missing.length > 0) throw new GraphgradError("regression", `the output also depends on the input${missing.length > 1 ? "s" : ""} ${missing.map((n) => `'${n}'`).join(", ")}, not in model.inputs`);
  return { inputs, train: { output, updates: {} }, infer: output };
}
