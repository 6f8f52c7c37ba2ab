import { GraphgradError } from "../../ir/errors.js";
import { formatShape, type Shape } from "../../ir/shape.js";
import type { Params } from "./tree.js";

/**
 * Which parameters a masked transformation touches (optax's `mask` argument): a record naming
 * every parameter with true (transformed) or false (passed through), or a function of a
 * parameter's name and shape, e.g. `(name, shape) => shape.length >= 2` for "weights, not biases".
 */
export type Mask = Readonly<Record<string, boolean>> | ((name: string, shape: Shape) => boolean);

/** The names of `tensors` the mask selects. A record must name exactly the tensors given. */
export function maskedNames(mask: Mask, tensors: Params, op: string): ReadonlySet<string> {
  const names = Object.keys(tensors);
  if (typeof mask === "function") {
    return new Set(
      names.filter((n) => {
        const keep = mask(n, (tensors[n] as Params[string]).shape);
        if (typeof keep !== "boolean") {
          throw new GraphgradError(op, `the mask function must return a boolean, got ${String(keep)} for '${n}' ${formatShape((tensors[n] as Params[string]).shape)}`);
        }
        return keep;
      }),
    );
  }
  for (const n of names) {
    if (typeof mask[n] !== "boolean") throw new GraphgradError(op, `the mask has no boolean for parameter '${n}' (mask names: ${Object.keys(mask).join(", ")})`);
  }
  const unknown = Object.keys(mask).filter((n) => !(n in tensors));
  if (unknown.length > 0) throw new GraphgradError(op, `the mask names ${unknown.map((n) => `'${n}'`).join(", ")}, which are not parameters here (parameters: ${names.join(", ")})`);
  return new Set(names.filter((n) => mask[n] === true));
}

/** The entries of `p` whose names are in `keep` (frozen). */
export function pick<L>(p: Params<L>, keep: ReadonlySet<string>): Params<L> {
  const out: Record<string, L> = {};
  for (const [k, v] of Object.entries(p)) if (keep.has(k)) out[k] = v;
  return Object.freeze(out);
}
