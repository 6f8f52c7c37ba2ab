import { left, right } from "fp-ts/lib/Either.js";
import { isFloat } from "../dtype.js";
function checkClass(accepts, d) {
  if (accepts === "float" && !isFloat(d)) return left(`needs a float operand, got ${d} (cast it first)`);
  if (accepts === "numeric" && d === "bool") return left("needs a numeric operand, got bool (cast it first)");
  return right(d);
}
function sameDType(xs) {
  const d = xs[0].dtype;
  for (const x of xs) {
    if (x.dtype !== d) return left(`operand dtypes differ: ${xs.map((y) => y.dtype).join(" vs ")} (cast one first)`);
  }
  return right(d);
}
export {
  checkClass,
  sameDType
};
