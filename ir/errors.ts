/**
 * The one error type graphgrad throws at its public boundary. Inside the library errors travel as
 * `Either` values; `GraphgradError` is what a caller sees, with the op (or input) and the shapes in
 * the message, e.g. `matmul: inner dimensions differ: [32,4] x [3,11]`.
 */
export class GraphgradError extends Error {
  override readonly name = "GraphgradError";
  /** Where the error arose: an op name, an input name, or a path in a decoded file. */
  readonly where: string;
  constructor(where: string, message: string) {
    super(where === "" ? message : `${where}: ${message}`);
    this.where = where;
  }
}

/** Unwraps an fp-ts style Either, throwing its Left. For the public API boundary only. */
export function orThrow<E extends Error, A>(e: { _tag: "Left"; left: E } | { _tag: "Right"; right: A }): A {
  if (e._tag === "Left") throw e.left;
  return e.right;
}
