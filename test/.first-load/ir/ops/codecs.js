import * as t from "io-ts";
const None = t.type({}, "None");
const Int = t.refinement(t.number, Number.isInteger, "Int");
const Axes = t.readonlyArray(Int, "Axes");
function noAttrs(table) {
  const out = {};
  for (const k of Object.keys(table)) out[k] = None;
  return out;
}
export {
  Axes,
  Int,
  None,
  noAttrs
};
