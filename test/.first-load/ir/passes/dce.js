import { right } from "fp-ts/lib/Either.js";
import { graphInputs, withInputs } from "../graph.js";
const dce = (g) => right(withInputs(g.outputs, graphInputs(g)));
export {
  dce
};
