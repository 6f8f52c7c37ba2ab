import * as gg from "../../src/index.js";

/**
 * A gradient transformation compiled once, as a train step would run it but without the model:
 * parameters, gradients and the state are fed, the updates, next state and metrics come back.
 * `init` computes the initial state by a graph too. Values are float64, flat per parameter.
 */

export type Values = Readonly<Record<string, readonly number[]>>;
export type StateLeaves = Readonly<Record<string, gg.Tensor>>;

export interface TransformRun {
  readonly updates: Record<string, number[]>;
  readonly state: StateLeaves;
  readonly metrics: Record<string, number>;
}

export interface TransformRunner {
  /** The state leaves' paths (`inner/0/mu/w`, ...). */
  readonly paths: readonly string[];
  init(params: Values): Promise<StateLeaves>;
  step(params: Values, grads: Values, state: StateLeaves): Promise<TransformRun>;
}

const feedsOf = (graph: gg.Graph, prefix: string, shapes: Readonly<Record<string, number[]>>, values: Values): Record<string, gg.Tensor> => {
  const names = new Set(graph.nodes.flatMap((n) => (n.op === "input" ? [n.attrs.name] : [])));
  const out: Record<string, gg.Tensor> = {};
  for (const [n, v] of Object.entries(values)) {
    if (names.has(prefix + n)) out[prefix + n] = gg.tensorFrom(Float64Array.from(v), "float64", shapes[n]);
  }
  return out;
};

export async function transformRunner(t: gg.optim.GradientTransformation, shapes: Readonly<Record<string, number[]>>): Promise<TransformRunner> {
  const params: Record<string, gg.Expr> = {};
  const grads: Record<string, gg.Expr> = {};
  for (const [n, s] of Object.entries(shapes)) {
    params[n] = gg.input(`p/${n}`, s, "float64");
    grads[n] = gg.input(`g/${n}`, s, "float64");
  }
  const initial = t.init(params);
  const leaves = gg.optim.flattenTree(initial) as [string, gg.Expr][];
  const paths = leaves.map(([p]) => p);
  const initExe = await gg.compile({ outputs: Object.fromEntries(leaves.map(([p, e]) => [`s/${p}`, e])) });
  const stateIn = gg.optim.mapTree(initial, (leaf, path) => gg.input(`s/${path}`, (leaf as gg.Expr).shape, (leaf as gg.Expr).dtype)) as gg.optim.TransformState;
  const [updates, next, metrics] = t.update(grads, stateIn, params);
  const nextLeaves = gg.optim.flattenTree(next) as [string, gg.Expr][];
  if (nextLeaves.map(([p]) => p).join() !== paths.join()) throw new Error(`the state changed structure: ${paths.join()} -> ${nextLeaves.map(([p]) => p).join()}`);
  const outputs: Record<string, gg.Expr> = {};
  for (const [n, e] of Object.entries(updates)) outputs[`u/${n}`] = e;
  for (const [p, e] of nextLeaves) outputs[`s/${p}`] = e;
  for (const [k, e] of Object.entries(metrics)) outputs[`m/${k}`] = e;
  const exe = await gg.compile({ outputs });
  const inputNames = new Set(exe.graph.nodes.flatMap((n) => (n.op === "input" ? [n.attrs.name] : [])));
  return {
    paths,
    init: async (values) => {
      const r = await initExe.run(feedsOf(initExe.graph, "p/", shapes, values));
      return Object.fromEntries(paths.map((p) => [p, r[`s/${p}`] as gg.Tensor]));
    },
    step: async (p, g, state) => {
      const feeds: Record<string, gg.Tensor> = { ...feedsOf(exe.graph, "p/", shapes, p), ...feedsOf(exe.graph, "g/", shapes, g) };
      for (const path of paths) if (inputNames.has(`s/${path}`)) feeds[`s/${path}`] = state[path] as gg.Tensor;
      const r = await exe.run(feeds);
      const pick = (prefix: string): [string, gg.Tensor][] => Object.entries(r).flatMap(([k, v]) => (k.startsWith(prefix) ? [[k.slice(prefix.length), v] as [string, gg.Tensor]] : []));
      return {
        updates: Object.fromEntries(pick("u/").map(([n, v]) => [n, [...v.data]])),
        state: Object.fromEntries(pick("s/")),
        metrics: Object.fromEntries(pick("m/").map(([k, v]) => [k, v.item()])),
      };
    },
  };
}
