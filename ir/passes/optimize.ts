import { type Either, chain, right } from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import type { GraphgradError } from "../errors.js";
import type { Graph, Pass } from "../graph.js";
import { dce } from "./dce.js";
import { fold } from "./fold.js";
import { inlineCalls } from "./inline.js";
import { simplify } from "./simplify.js";
import { verify } from "./verify.js";

/** Runs passes in order, stopping at the first error. */
export function runPasses(g: Graph, passes: readonly Pass[] = DEFAULT_PASSES): Either<GraphgradError, Graph> {
  return passes.reduce<Either<GraphgradError, Graph>>((acc, pass) => pipe(acc, chain(pass)), right(g));
}

/** The same graph: the same output nodes under the same names and the same nodes in the same order. */
export function sameGraph(a: Graph, b: Graph): boolean {
  const ka = Object.keys(a.outputs);
  return (
    ka.length === Object.keys(b.outputs).length &&
    ka.every((k) => a.outputs[k] === b.outputs[k]) &&
    a.nodes.length === b.nodes.length &&
    a.nodes.every((n, i) => n === b.nodes[i])
  );
}

/**
 * Runs `passes` round after round until a round leaves the graph unchanged (or `maxRounds` is
 * reached): folding can enable a simplification (x·0 → 0 makes exp(0) constant) and back.
 */
export function fixedPoint(passes: readonly Pass[], maxRounds = 32): Pass {
  return (g) => {
    let cur = g;
    for (let round = 0; round < maxRounds; round++) {
      const next = runPasses(cur, passes);
      if (next._tag === "Left" || sameGraph(cur, next.right)) return next;
      cur = next.right;
    }
    return right(cur);
  };
}

/** Constant folding and algebraic simplification, alternated until neither changes the graph. */
export const foldAndSimplify: Pass = fixedPoint([fold, simplify]);

/** The default pipeline `compile` runs before handing a graph to a backend: verify, inline calls, fold + simplify, DCE. */
export const DEFAULT_PASSES: readonly Pass[] = [verify, inlineCalls, foldAndSimplify, dce];
