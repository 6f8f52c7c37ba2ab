import { type Either, chain } from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import type { GraphgradError } from "../errors.js";
import type { Graph, Pass } from "../graph.js";
import { dce } from "./dce.js";
import { verify } from "./verify.js";

/** The default pipeline `compile` runs before handing a graph to a backend. */
export const DEFAULT_PASSES: readonly Pass[] = [verify, dce];

/** Runs passes in order, stopping at the first error. */
export function runPasses(g: Graph, passes: readonly Pass[] = DEFAULT_PASSES): Either<GraphgradError, Graph> {
  return passes.reduce<Either<GraphgradError, Graph>>((acc, pass) => pipe(acc, chain(pass)), { _tag: "Right", right: g });
}
