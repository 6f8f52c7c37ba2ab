import { right } from "fp-ts/lib/Either.js";
import { type Graph, graphOf, type Pass } from "../graph.js";

/** Dead-code elimination: keeps exactly the nodes the outputs need. */
export const dce: Pass = (g: Graph) => right(graphOf(g.outputs));
