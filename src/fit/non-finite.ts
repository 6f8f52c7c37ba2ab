import { Tensor } from "../../ir/tensor.js";
import { firstNonFinite, unravel } from "../compile/finite.js";
import type { TrainState } from "../train.js";
import { flattenTree } from "../optim/tree.js";

/** Where the first NaN or ±Infinity is: what holds it, its name, its value and index. */
export interface NonFinite {
  readonly kind: "param" | "optimizer state" | "ema" | "metric";
  readonly name: string;
  readonly value: number;
  readonly index: readonly number[];
}

/**
 * The first non-finite value: in the parameters (in their order), then the optimizer state (tree
 * order), then the EMA shadows, then the metrics; undefined when everything is finite.
 */
export function findNonFinite(state: TrainState, metrics: Readonly<Record<string, number>>, checkState = true): NonFinite | undefined {
  if (checkState) {
    const groups: [NonFinite["kind"], [string, unknown][]][] = [
      ["param", Object.entries(state.params)],
      ["optimizer state", flattenTree(state.opt)],
      ["ema", Object.entries(state.ema)],
    ];
    for (const [kind, entries] of groups) {
      for (const [name, t] of entries) {
        if (!(t instanceof Tensor)) continue;
        const i = firstNonFinite(t);
        if (i >= 0) return { kind, name, value: t.data[i] as number, index: unravel(i, t.shape) };
      }
    }
  }
  for (const [name, v] of Object.entries(metrics)) if (!Number.isFinite(v)) return { kind: "metric", name, value: v, index: [] };
  return undefined;
}

/** `non-finite value in param 'w1' at step 37 (NaN at [2,1])`. */
export function describeNonFinite(f: NonFinite, step: number): string {
  const at = f.index.length > 0 ? ` at [${f.index.join(",")}]` : "";
  return `non-finite value in ${f.kind} '${f.name}' at step ${step} (${f.value}${at})`;
}
