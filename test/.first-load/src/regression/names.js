import { GraphgradError } from "../../ir/errors.js";
function lookup(kind, name, table) {
  const found = Object.hasOwn(table, name) ? table[name] : void 0;
  if (found === void 0) {
    const valid = Object.keys(table).map((n) => `'${n}'`).join(", ");
    throw new GraphgradError("regression", `unknown ${kind} ${JSON.stringify(name)}: expected one of ${valid}`);
  }
  return found;
}
export {
  lookup
};
