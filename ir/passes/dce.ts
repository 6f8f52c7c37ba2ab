import { right } from "fp-ts/lib/Either.js";
import { type Graph, graphInputs, type Pass, withInputs } from "../graph.js";

/**
 * Dead-code elimination: keeps exactly the nodes the outputs need, plus the graph's inputs (its
 * interface: an input no output uses any more must still be accepted as a feed).
 */
export const dce: Pass = (g: Graph) => right(withInputs(g.outputs, graphInputs(g)));
