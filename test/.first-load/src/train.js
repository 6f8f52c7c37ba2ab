import { GraphgradError } from "../ir/errors.js";
import { toposort } from "../ir/node.js";
import { graphInputs } from "../ir/graph.js";
import { formatShape, shapesEqual } from "../ir/shape.js";
import { Tensor, tensorFrom } from "../ir/tensor.js";
import { l1Loss } from "./losses.js";
import { l2Loss } from "./composites.js";
import { compile, resolveBackend } from "./compile.js";
import { Expr } from "./expr.js";
import { grad } from "./grad.js";
import { add, cast, div, input, minimum, mul, scalar, sub } from "./ops.js";
import { globalNorm } from "./optim/clip.js";
import { applyUpdates } from "./optim/transform.js";
import { flattenTree, mapTree, treeBuilder, treeFlattener } from "./optim/tree.js";
const NONE = Object.freeze({});
const OPT = "opt/";
const EMA = "ema/";
const EMA_METRIC = "emaMetric/";
const STEP = "train/step";
const METRIC = "metric/";
const PARAM = "param/";
const OUT = "out/";
const RESERVED = [OPT, EMA, EMA_METRIC, "train/", METRIC, PARAM];
function paramsOf(...es) {
  return toposort(es.map((e) => e.node)).filter((n) => n.op === "input" && n.attrs.kind === "param").map((n) => Expr.of(n));
}
function nameOf(p) {
  if (p.node.op !== "input") throw new GraphgradError("trainStep", `a parameter must be a param(...) input, got a ${p.node.op} node`);
  return p.node.attrs.name;
}
async function trainStep(config) {
  const { loss, optimizer } = config;
  if (!(loss instanceof Expr) || loss.rank !== 0) {
    throw new GraphgradError("trainStep", `the loss must be a scalar Expr, got ${loss instanceof Expr ? formatShape(loss.shape) : typeof loss}`);
  }
  const updateTargets = Object.keys(config.updates ?? {});
  const paramList = config.params ?? paramsOf(loss, ...Object.values(config.updates ?? {}));
  const params = {};
  for (const p of paramList) params[nameOf(p)] = p;
  const paramNames = Object.keys(params);
  const trainable = config.trainable ?? paramNames.filter((n) => !updateTargets.includes(n));
  for (const t of trainable) {
    if (params[t] === void 0) throw new GraphgradError("trainStep", `trainable '${t}' is not a parameter (parameters: ${paramNames.join(", ")})`);
  }
  const trained = {};
  for (const t of trainable) trained[t] = params[t];
  for (const n of toposort([loss.node])) {
    if (n.op === "input" && RESERVED.some((r) => n.attrs.name.startsWith(r))) {
      throw new GraphgradError("trainStep", `input name '${n.attrs.name}' is reserved (prefixes ${RESERVED.join(", ")})`);
    }
  }
  const backend = resolveBackend(config.backend);
  const total = addRegularization(loss, params, config.regularization);
  const grads = grad(total, Object.values(trained));
  const gradRecord = {};
  Object.keys(trained).forEach((n, i) => gradRecord[n] = grads[i]);
  const initState = optimizer.init(trained);
  const stateLeaves = flattenTree(initState);
  const stateIn = mapTree(initState, (leaf, path) => {
    const e = leaf;
    return input(OPT + path, e.shape, e.dtype);
  });
  const [updates, nextState, optMetrics] = optimizer.update(gradRecord, stateIn, trained);
  const newParams = applyUpdates(trained, updates);
  const step = input(STEP, [], "int32");
  const nextStep = add(step, 1);
  const outputs = { [STEP]: nextStep };
  for (const [n, e] of Object.entries(newParams)) outputs[PARAM + n] = cast(e, params[n].dtype);
  for (const [n, e] of Object.entries(config.updates ?? {})) {
    const p = params[n];
    if (p === void 0 || trained[n] !== void 0) {
      throw new GraphgradError("trainStep", `updates['${n}'] must name a parameter that is not trainable (parameters: ${paramNames.join(", ")}; trainable: ${Object.keys(trained).join(", ")})`);
    }
    if (!shapesEqual(e.shape, p.shape)) throw new GraphgradError("trainStep", `updates['${n}'] has shape ${formatShape(e.shape)}, the parameter ${formatShape(p.shape)}`);
    outputs[PARAM + n] = cast(e, p.dtype);
  }
  for (const [path, leaf] of flattenTree(nextState)) outputs[OPT + path] = leaf;
  const metrics = { loss, gradNorm: globalNorm(gradRecord), ...optMetrics, ...config.metrics ?? {} };
  if (total !== loss) metrics["totalLoss"] = total;
  for (const [k, v] of Object.entries(metrics)) {
    if (v.rank !== 0) throw new GraphgradError("trainStep", `metric '${k}' must be a scalar, got ${formatShape(v.shape)}`);
    outputs[METRIC + k] = v;
  }
  const auxNames = Object.keys(config.outputs ?? {});
  for (const [k, v] of Object.entries(config.outputs ?? {})) {
    if (!(v instanceof Expr)) throw new GraphgradError("trainStep", `outputs['${k}'] is not an Expr`);
    outputs[OUT + k] = v;
  }
  const withEma = config.ema !== void 0;
  if (config.ema !== void 0) {
    const decay = emaDecay(config.ema, nextStep);
    for (const [n, p] of Object.entries(params)) {
      const shadow = input(EMA + n, p.shape, p.dtype);
      const value = outputs[PARAM + n] ?? p;
      outputs[EMA + n] = movingAverage(shadow, value, decay);
    }
    for (const [k, v] of Object.entries(metrics)) {
      outputs[EMA_METRIC + k] = movingAverage(input(EMA_METRIC + k, [], v.dtype), v, decay);
    }
  }
  const feedback = {};
  for (const n of paramNames) if (outputs[PARAM + n] !== void 0) feedback[PARAM + n] = n;
  for (const [path] of stateLeaves) feedback[OPT + path] = OPT + path;
  if (withEma) for (const n of paramNames) feedback[EMA + n] = EMA + n;
  const compiled = await compile({ outputs }, { backend, feedback });
  const initOutputs = {};
  for (const [path, leaf] of stateLeaves) initOutputs[OPT + path] = leaf;
  const initCompiled = stateLeaves.length > 0 ? await compile({ outputs: initOutputs }, { backend }) : void 0;
  const metricNames = Object.keys(metrics);
  const optPaths = stateLeaves.map(([path]) => path);
  const buildOpt = treeBuilder(initState);
  const optLeavesOf = treeFlattener(initState, "run");
  const inGraph = new Set(graphInputs(compiled.graph).map((n) => n.attrs.name));
  const fedParams = paramNames.filter((n) => inGraph.has(n));
  const stateInputs = [STEP, ...fedParams, ...optPaths.map((p) => OPT + p), ...withEma ? [...paramNames.map((n) => EMA + n), ...metricNames.map((k) => EMA_METRIC + k)] : []];
  const stateInputSet = new Set(stateInputs);
  const batchNames = [...inGraph].filter((n) => !stateInputSet.has(n));
  const batchIndex = new Map(batchNames.map((n, i) => [n, i]));
  const updated = paramNames.map((n) => compiled.graph.outputs[PARAM + n] !== void 0);
  const bound = compiled.bind([...batchNames, ...stateInputs], {
    tensors: [
      ...paramNames.filter((_, i) => updated[i]).map((n) => PARAM + n),
      ...optPaths.map((p) => OPT + p),
      ...auxNames.map((k) => OUT + k),
      ...withEma ? paramNames.map((n) => EMA + n) : []
    ],
    scalars: [STEP, ...metricNames.map((k) => METRIC + k), ...withEma ? metricNames.map((k) => EMA_METRIC + k) : []]
  });
  const feeds = new Array(batchNames.length + stateInputs.length);
  const feedsOf = (state, batch, optLeaves) => {
    let given = 0;
    for (const k in batch) {
      const i = batchIndex.get(k);
      if (i === void 0) throw feedError(batch, k);
      const v = batch[k];
      feeds[i] = v instanceof Tensor ? v : compiled.feedTensor(k, v);
      given++;
    }
    if (given !== batchNames.length) throw feedError(batch, void 0);
    let at = batchNames.length;
    feeds[at++] = state.step;
    for (const n of fedParams) feeds[at++] = state.params[n];
    for (const t of optLeaves) feeds[at++] = t;
    if (withEma) {
      for (const n of paramNames) feeds[at++] = state.ema[n];
      for (const k of metricNames) feeds[at++] = state.emaMetrics[k] ?? 0;
    }
    return feeds;
  };
  const donate = config.donate === true;
  const maker = {};
  const checkNotDonated = (state, where) => {
    if (RunState.donated(state)) {
      throw new GraphgradError(where, `the state at step ${state.step} was donated to a later step (trainStep({ donate: true })): its arrays now hold newer values; use the state that step returned`);
    }
  };
  const reuse = [];
  const donation = (state, optLeaves) => {
    checkNotDonated(state, "run");
    if (!RunState.madeBy(state, maker)) return void 0;
    let at = 0;
    for (let i = 0; i < paramNames.length; i++) if (updated[i] === true) reuse[at++] = state.params[paramNames[i]];
    for (const t of optLeaves) reuse[at++] = t;
    for (let i = 0; i < auxNames.length; i++) reuse[at++] = void 0;
    if (withEma) for (const n of paramNames) reuse[at++] = state.ema[n];
    return reuse;
  };
  const feedError = (batch, unknown) => {
    if (unknown !== void 0) return new GraphgradError(`feed '${unknown}'`, `the train step has no batch input of that name (batch inputs: ${batchNames.join(", ") || "none"})`);
    const missing = batchNames.find((n) => batch[n] === void 0);
    const node = graphInputs(compiled.graph).find((n) => n.attrs.name === missing);
    return new GraphgradError(`feed '${missing}'`, `missing: the graph needs ${node === void 0 ? "it" : `${node.attrs.dtype}${formatShape(node.attrs.shape)}`}`);
  };
  return {
    compiled,
    paramNames,
    trainable: Object.keys(trained),
    init: async (values) => {
      const ps = checkParams(values, params);
      const feeds2 = { ...ps };
      const r = initCompiled === void 0 ? {} : await initCompiled.run(pick(feeds2, initCompiled));
      const opt = mapTree(initState, (_leaf, path) => r[OPT + path]);
      const ema = config.ema === void 0 ? NONE : Object.freeze({ ...ps });
      const emaMetrics = config.ema === void 0 ? NONE : Object.freeze(Object.fromEntries(metricNames.map((k) => [k, 0])));
      return Object.freeze({ params: ps, opt, step: 0, ema, emaMetrics });
    },
    run: async (state, batch) => {
      const optLeaves = optLeavesOf(state.opt);
      const reuse2 = donate ? donation(state, optLeaves) : void 0;
      const pending = bound(feedsOf(state, batch, optLeaves), reuse2);
      const { tensors, scalars } = pending instanceof Promise ? await pending : pending;
      if (reuse2 !== void 0) RunState.markDonated(state);
      let t = 0;
      const nextParams = {};
      for (let i = 0; i < paramNames.length; i++) {
        const n = paramNames[i];
        nextParams[n] = updated[i] === true ? tensors[t++] : state.params[n];
      }
      const opt = buildOpt(tensors, t);
      t += optPaths.length;
      let s = 1;
      const values = {};
      for (const k of metricNames) values[k] = scalars[s++];
      let aux = NONE;
      if (auxNames.length > 0) {
        const a = {};
        for (const k of auxNames) a[k] = tensors[t++];
        aux = Object.freeze(a);
      }
      let ema = NONE;
      let emaMetrics = NONE;
      if (withEma) {
        const e = {};
        const em = {};
        for (const n of paramNames) e[n] = tensors[t++];
        for (const k of metricNames) em[k] = scalars[s++];
        ema = Object.freeze(e);
        emaMetrics = Object.freeze(em);
      }
      const next = new RunState(maker, Object.freeze(nextParams), opt, scalars[0], ema, emaMetrics);
      return [next, values, aux];
    },
    evaluator: async (outs) => {
      const c = await compile({ outputs: outs }, { backend });
      return async (state, batch, useEma = false) => {
        checkNotDonated(state, "evaluator");
        const feeds2 = { ...batch };
        const source = useEma ? state.ema : state.params;
        if (useEma && config.ema === void 0) throw new GraphgradError("evaluator", "useEma needs a train step configured with `ema`");
        for (const n of paramNames) feeds2[n] = source[n];
        return c.run(pick(feeds2, c));
      };
    }
  };
}
class RunState {
  params;
  opt;
  step;
  ema;
  emaMetrics;
  #maker;
  #donated = false;
  constructor(maker, params, opt, step, ema, emaMetrics) {
    this.params = params;
    this.opt = opt;
    this.step = step;
    this.ema = ema;
    this.emaMetrics = emaMetrics;
    this.#maker = maker;
    Object.freeze(this);
  }
  static madeBy(s, maker) {
    return s instanceof RunState && s.#maker === maker;
  }
  static donated(s) {
    return s instanceof RunState && s.#donated;
  }
  static markDonated(s) {
    if (s instanceof RunState) s.#donated = true;
  }
}
function addRegularization(loss, params, reg) {
  if (reg === void 0 || reg.l2 === void 0 && reg.l1 === void 0) return loss;
  const names = reg.params ?? Object.keys(params).filter((n) => params[n].rank >= 2);
  let total = loss;
  for (const n of names) {
    const w = params[n];
    if (w === void 0) throw new GraphgradError("trainStep", `regularized parameter '${n}' is not a parameter`);
    if (reg.l2 !== void 0) total = add(total, cast(mul(l2Loss(w), reg.l2), loss.dtype));
    if (reg.l1 !== void 0) total = add(total, cast(mul(l1Loss(w), reg.l1), loss.dtype));
  }
  return total;
}
function emaDecay(c, count) {
  if (!(c.decay >= 0 && c.decay <= 1)) throw new GraphgradError("ema", `decay must be in [0, 1], got ${c.decay}`);
  if (c.numUpdates !== true) return scalar(c.decay);
  const n = cast(count, "float32");
  return minimum(div(add(n, 1), add(n, 10)), c.decay);
}
function movingAverage(shadow, value, decay) {
  return sub(shadow, mul(sub(shadow, value), cast(sub(1, decay), shadow.dtype)));
}
function checkParams(values, params) {
  const out = {};
  for (const name of Object.keys(values)) {
    if (params[name] === void 0) throw new GraphgradError("init", `'${name}' is not a parameter (parameters: ${Object.keys(params).join(", ")})`);
  }
  for (const [name, p] of Object.entries(params)) {
    const v = values[name];
    if (v === void 0) throw new GraphgradError("init", `no initial value for parameter '${name}' (${p.dtype}${formatShape(p.shape)})`);
    const t = v instanceof Tensor ? v : toTensor(v, p, name);
    if (t.dtype !== p.dtype || !shapesEqual(t.shape, p.shape)) {
      throw new GraphgradError("init", `parameter '${name}' is ${p.dtype}${formatShape(p.shape)}, got ${t.dtype}${formatShape(t.shape)}`);
    }
    out[name] = t;
  }
  return Object.freeze(out);
}
function toTensor(v, p, name) {
  const shape = p.shape.every((d) => typeof d === "number") ? p.shape : void 0;
  return tensorFrom(v, p.dtype, shape, `init '${name}'`);
}
function pick(feeds, c) {
  const out = {};
  for (const n of c.graph.nodes) {
    if (n.op === "input" && feeds[n.attrs.name] !== void 0) out[n.attrs.name] = feeds[n.attrs.name];
  }
  return out;
}
export {
  paramsOf,
  trainStep
};
