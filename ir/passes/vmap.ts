import { GraphgradError } from "../errors.js";
import { type Node, type NodeOf, toposort } from "../node.js";
import type { BatchedArg, BatchKit, OpDef, RuleKit } from "../op.js";
import { OPS } from "../ops/index.js";
import type { OpName } from "../ops/attrs.js";
import { type Dim, formatShape, shapesEqual } from "../shape.js";

/**
 * The batching transform (vmap; the driver, entry points in transforms.ts): given a graph of per-example computations on `args` (each
 * standing for one element of a batch), the same computation on whole batches, with no loop and
 * no unrolling: every node whose operands are batched is replaced by its op's batching rule
 * (`OpDef.batch`), which gives the node's batched form (batch axis 0) from its operands'; nodes
 * that depend on no batched value are shared by every batch element and kept as they are.
 *
 * `args` maps each per-example node (a placeholder) to its batched form, batch axis 0, of size `size`.
 */
export function batchNodes(outputs: readonly Node[], args: ReadonlyMap<Node, Node>, size: Dim, rules: RuleKit): BatchedArg[] {
  const kit: BatchKit = { ...rules, size };
  const done = new Map<Node, BatchedArg>();
  for (const [x, batched] of args) {
    if (batched.shape[0] !== size || !shapesEqual(batched.shape.slice(1), x.shape)) {
      throw new GraphgradError("vmap", `a batched argument has shape ${formatShape(batched.shape)}, expected [${String(size)}, ...${formatShape(x.shape)}]`);
    }
    done.set(x, { node: batched, batched: true });
  }
  for (const n of toposort(outputs)) {
    if (done.has(n)) continue;
    const ins = n.inputs.map((x) => done.get(x) ?? { node: x, batched: false });
    if (!ins.some((a) => a.batched)) {
      done.set(n, { node: n, batched: false });
      continue;
    }
    const out = (OPS[n.op] as OpDef<OpName>).batch(n as NodeOf<OpName>, ins, kit);
    if (out.dtype !== n.dtype || out.shape[0] !== size || !shapesEqual(out.shape.slice(1), n.shape)) {
      throw new GraphgradError(`vmap of ${n.op}`, `the batching rule gave ${out.dtype}${formatShape(out.shape)} for ${n.dtype}${formatShape(n.shape)} batched by ${String(size)} (a bug in the rule)`);
    }
    done.set(n, { node: out, batched: true });
  }
  return outputs.map((o) => done.get(o) as BatchedArg);
}
