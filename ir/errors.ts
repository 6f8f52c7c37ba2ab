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
    const w = text(where);
    super(w === "" ? text(message) : `${w}: ${text(message)}`);
    this.where = w;
  }
}

/** Unwraps an fp-ts style Either, throwing its Left. For the public API boundary only. */
export function orThrow<E extends Error, A>(e: { _tag: "Left"; left: E } | { _tag: "Right"; right: A }): A {
  if (e._tag === "Left") throw e.left;
  return e.right;
}

/** A string for any value given where a string belongs (a symbol or a null-prototype object would throw in a template). */
function text(v: unknown): string {
  if (typeof v === "string") return v;
  try {
    return String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}
