import { chain, right } from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import { dce } from "./dce.js";
import { fold } from "./fold.js";
import { simplify } from "./simplify.js";
import { verify } from "./verify.js";
function runPasses(g, passes = DEFAULT_PASSES) {
  return passes.reduce((acc, pass) => pipe(acc, chain(pass)), right(g));
}
function sameGraph(a, b) {
  const ka = Object.keys(a.outputs);
  return ka.length === Object.keys(b.outputs).length && ka.every((k) => a.outputs[k] === b.outputs[k]) && a.nodes.length === b.nodes.length && a.nodes.every((n, i) => n === b.nodes[i]);
}
function fixedPoint(passes, maxRounds = 32) {
  return (g) => {
    let cur = g;
    for (let round = 0; round < maxRounds; round++) {
      const next = runPasses(cur, passes);
      if (next._tag === "Left" || sameGraph(cur, next.right)) return next;
      cur = next.right;
    }
    return right(cur);
  };
}
const foldAndSimplify = fixedPoint([fold, simplify]);
const DEFAULT_PASSES = [verify, foldAndSimplify, dce];
export {
  DEFAULT_PASSES,
  fixedPoint,
  foldAndSimplify,
  runPasses,
  sameGraph
};
