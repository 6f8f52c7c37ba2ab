import { GraphgradError } from "../../ir/errors.js";
import { type Graph, graphInputs } from "../../ir/graph.js";
import { type NestedArray, Tensor, tensorFrom } from "../../ir/tensor.js";
import { graph as graphOfOutputs, type TensorLike } from "../compile.js";
import { Expr } from "../expr.js";
import { input } from "../ops.js";

/** What `checkBackends` runs: a graph, an expression or record of them, or a function of inputs made from the feeds. */
export type BackendSubject<K extends string = string> = Graph | Expr | Readonly<Record<string, Expr>> | ((inputs: Readonly<Record<K, Expr>>) => Expr | Readonly<Record<string, Expr>>);

/** Feeds by input name: Tensors, or values `gg.compile`'s `run` accepts. */
export type BackendFeeds<K extends string = string> = Readonly<Record<K, TensorLike>> | ReadonlyMap<K, Tensor>;

const isGraph = (s: object): s is Graph => "nodes" in s && "outputs" in s && Array.isArray((s as { nodes: unknown }).nodes);

/**
 * The graph of a subject. A function's inputs take the names, dtypes and shapes of the feeds
 * (Tensors, or nested arrays as float32); an axis whose size differs between feed sets is symbolic.
 */
export function subjectGraph<K extends string>(subject: BackendSubject<K>, feedSets: readonly BackendFeeds<K>[]): Graph {
  if (typeof subject === "function") {
    const inputs: Partial<Record<K, Expr>> = {};
    for (const [name, v] of entries(feedSets[0] as BackendFeeds<K>)) {
      const t = asTensor(name, v);
      const others = feedSets.slice(1).map((f) => entries(f).find(([n]) => n === name)?.[1]);
      const shape = t.shape.map((d, axis) => (others.every((o) => o === undefined || asTensor(name, o).shape[axis] === d) ? d : null));
      inputs[name] = input(name, shape, t.dtype);
    }
    // Every name of the feeds has its input.
    return subjectGraph(subject(inputs as Record<K, Expr>), feedSets);
  }
  if (subject instanceof Expr) return graphOfOutputs({ y: subject });
  if (typeof subject !== "object" || subject === null) throw new GraphgradError("checkBackends", `expected a Graph, an Expr, a record of Exprs or a function, got ${String(subject)}`);
  return isGraph(subject) ? subject : graphOfOutputs(subject as Readonly<Record<string, Expr>>);
}

const asTensor = (name: string, v: TensorLike): Tensor => (v instanceof Tensor ? v : tensorFrom(v as NestedArray, "float32", undefined, `checkBackends: feed '${name}'`));

/** The feeds as Tensors of the graph's input dtypes. */
export function feedTensors(g: Graph, feeds: BackendFeeds<string>): Map<string, Tensor> {
  const dtypes = new Map(graphInputs(g).map((n) => [n.attrs.name, n.attrs.dtype] as const));
  return new Map(
    entries(feeds).map(([name, v]) => {
      if (v instanceof Tensor) return [name, v] as const;
      return [name, tensorFrom(v as NestedArray, dtypes.get(name) ?? "float32", undefined, `checkBackends: feed '${name}'`)] as const;
    }),
  );
}

function entries<K extends string>(feeds: BackendFeeds<K>): [K, TensorLike][] {
  return feeds instanceof Map ? [...(feeds as ReadonlyMap<K, Tensor>)] : (Object.entries(feeds) as [K, TensorLike][]);
}
