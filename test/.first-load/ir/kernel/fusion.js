import { isElementwise } from "../ops/elementwise.js";
import { sizeOf } from "../shape.js";
const RECOMPUTABLE = /* @__PURE__ */ new Set(["add", "sub", "mul", "neg", "abs", "maximum", "minimum", "greater", "less", "equal", "where", "cast", "stopGradient"]);
const isReduction = (n) => n.op === "reduceSum" || n.op === "reduceMax";
function fusible(n, tree, facts) {
  if (facts.isOutput(n)) return false;
  const cs = facts.consumers(n);
  if (cs.length === 0) return false;
  if (cs.length > 1 && !(tree.kind === "op" && RECOMPUTABLE.has(tree.op) && tree.args.every((a) => a.kind !== "op"))) return false;
  return cs.every((c) => {
    if (!isElementwise(c.op) && !isReduction(c)) return false;
    const space = isReduction(c) ? facts.shapeOf(n) : facts.shapeOf(c);
    return sizeOf(facts.shapeOf(n)) === sizeOf(space);
  });
}
export {
  fusible
};
