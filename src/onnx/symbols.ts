import type { Node } from "../../ir/node.js";
import type { SymbolSource } from "./context.js";

/** Where each symbolic dimension's size is read: the first axis of an input (or parameter) that has it, by its ONNX name. */
export function symbolSources(inputs: readonly { readonly node: Node; readonly value: string }[], outer: ReadonlyMap<string, SymbolSource> = new Map()): Map<string, SymbolSource> {
  const sources = new Map<string, SymbolSource>();
  for (const { node, value } of inputs) {
    node.shape.forEach((d, axis) => {
      if (typeof d === "string" && !sources.has(d)) sources.set(d, { value, axis });
    });
  }
  for (const [k, v] of outer) if (!sources.has(k)) sources.set(k, v);
  return sources;
}
