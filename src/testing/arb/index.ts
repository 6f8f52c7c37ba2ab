import { axes, permutation } from "./axes.js";
import { graph } from "./graph.js";
import { key } from "./key.js";
import { broadcastPair, broadcastShapes, shape } from "./shapes.js";
import { tensor } from "./tensor.js";
import { scalarValue, values } from "./values.js";

/**
 * fast-check arbitraries for graphgrad programs: shapes, broadcasting shapes, axes and
 * permutations, tensors, values, random keys and random well-typed graphs.
 */
export const arb = { shape, broadcastPair, broadcastShapes, axes, permutation, tensor, values, scalar: scalarValue, graph, key } as const;

export { GENERATED_OPS, type GraphOptions, type RandomGraph } from "./graph.js";
export { sizeOf, type ShapeOptions } from "./shapes.js";
export type { TensorOptions } from "./tensor.js";
export type { ValueOptions } from "./values.js";
