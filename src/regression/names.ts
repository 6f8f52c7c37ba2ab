import { GraphgradError } from "../../ir/errors.js";

/** A value looked up by name, or a clear error listing the names that exist. */
export function lookup<T>(kind: string, name: string, table: Readonly<Record<string, T>>): T {
  const found = Object.hasOwn(table, name) ? table[name] : undefined;
  if (found === undefined) {
    const valid = Object.keys(table).map((n) => `'${n}'`).join(", ");
    throw new GraphgradError("regression", `unknown ${kind} ${JSON.stringify(name)}: expected one of ${valid}`);
  }
  return found;
}
