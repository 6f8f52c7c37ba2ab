import { GraphgradError } from "../../ir/errors.js";
import { toposort } from "../../ir/node.js";
import { Expr } from "../expr.js";
import { input } from "../ops.js";
const KEY_INPUT = "regression/key";
function inputsOf(...es) {
  const out = {};
  for (const n of toposort(es.map((e) => e.node))) {
    if (n.op === "input" && n.attrs.kind === "input" && n.attrs.name !== KEY_INPUT) out[n.attrs.name] = Expr.of(n);
  }
  return out;
}
function usesInput(name, ...es) {
  return toposort(es.map((e) => e.node)).some((n) => n.op === "input" && n.attrs.name === name);
}
function nameOfInput(e, where) {
  if (!(e instanceof Expr) || e.node.op !== "input" || e.node.attrs.kind !== "input") {
    throw new GraphgradError("regression", `${where} must be an input(...) expression`);
  }
  return e.node.attrs.name;
}
function checkOutput(e, where) {
  if (!(e instanceof Expr)) throw new GraphgradError("regression", `${where} must be an Expr, got ${typeof e}`);
  if (e.dtype !== "float32" && e.dtype !== "float64") throw new GraphgradError("regression", `${where} must be float32 or float64, got ${e.dtype}`);
  return e;
}
function isShape(s) {
  return Array.isArray(s);
}
function makeInput(name, spec) {
  if (spec instanceof Expr) {
    const n = nameOfInput(spec, `inputs.${name}`);
    if (n !== name) throw new GraphgradError("regression", `inputs.${name} is the input '${n}': the key must be its name`);
    return spec;
  }
  const { shape, dtype = "float32" } = isShape(spec) ? { shape: spec } : spec;
  return input(name, shape, dtype);
}
function fromResult(r, training) {
  const where = `the model's ${training ? "training" : "inference"} output`;
  if (r instanceof Expr) return { output: checkOutput(r, where), updates: {} };
  if (typeof r !== "object" || r === null) throw new GraphgradError("regression", `the model function must return an Expr or { output, updates }, got ${r === null ? "null" : typeof r}`);
  return { output: checkOutput(r.output, where), updates: r.updates ?? {} };
}
function resolveModel(model, inputSpecs) {
  if (typeof model === "function") {
    if (inputSpecs === void 0 || Object.keys(inputSpecs).length === 0) {
      throw new GraphgradError("regression", "a model function needs `inputs`: the inputs to call it with, e.g. { x: [null, 4] }");
    }
    const inputs2 = {};
    for (const [name, spec] of Object.entries(inputSpecs)) inputs2[name] = makeInput(name, spec);
    const key = input(KEY_INPUT, [2], "int32");
    const byName = inputs2;
    const train = fromResult(model(byName, { training: true, key }), true);
    const infer = fromResult(model(byName, { training: false, key }), false);
    if (Object.keys(infer.updates).length > 0) throw new GraphgradError("regression", "the model returned updates with training false: updates belong to the training graph only");
    return { inputs: inputs2, train, infer: infer.output };
  }
  if (model instanceof Expr) {
    const output2 = checkOutput(model, "the model");
    return { inputs: inputsOf(output2), train: { output: output2, updates: {} }, infer: output2 };
  }
  if (typeof model !== "object" || model === null || !("output" in model)) {
    throw new GraphgradError("regression", "model must be an output Expr, { output, inputs? } or a function (inputs, { training, key }) => Expr");
  }
  const output = checkOutput(model.output, "model.output");
  const needed = inputsOf(output);
  if (model.inputs === void 0) return { inputs: needed, train: { output, updates: {} }, infer: output };
  const inputs = {};
  model.inputs.forEach((e, i) => inputs[nameOfInput(e, `model.inputs[${i}]`)] = e);
  const missing = Object.keys(needed).filter((n) => inputs[n] === void 0);
  if (missing.length > 0) throw new GraphgradError("regression", `the output also depends on the input${missing.length > 1 ? "s" : ""} ${missing.map((n) => `'${n}'`).join(", ")}, not in model.inputs`);
  return { inputs, train: { output, updates: {} }, infer: output };
}
export {
  KEY_INPUT,
  inputsOf,
  resolveModel,
  usesInput
};
