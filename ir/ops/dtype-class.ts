import { type Either, left, right } from "fp-ts/lib/Either.js";
import { type DType, isFloat } from "../dtype.js";
import type { DTypeClass, TypeInfo } from "../op.js";

/** Checks an operand dtype against the class an op accepts; the message says how to fix it. */
export function checkClass(accepts: DTypeClass, d: DType): Either<string, DType> {
  if (accepts === "float" && !isFloat(d)) return left(`needs a float operand, got ${d} (cast it first)`);
  if (accepts === "numeric" && d === "bool") return left("needs a numeric operand, got bool (cast it first)");
  return right(d);
}

/** The common dtype of operands that must agree. */
export function sameDType(xs: readonly TypeInfo[]): Either<string, DType> {
  const d = (xs[0] as TypeInfo).dtype;
  for (const x of xs) {
    if (x.dtype !== d) return left(`operand dtypes differ: ${xs.map((y) => y.dtype).join(" vs ")} (cast one first)`);
  }
  return right(d);
}
