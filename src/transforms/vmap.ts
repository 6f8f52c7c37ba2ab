import { GraphgradError } from "../../ir/errors.js";
import { batch } from "../../ir/passes/transforms.js";
import { orThrow } from "../../ir/errors.js";
import { type Dim, formatShape, normalizeAxis } from "../../ir/shape.js";
import { Expr } from "../expr.js";
import { broadcastTo, input, transpose } from "../ops.js";

/** What a vmapped function returns: an Expr or a record of Exprs. */
export type VmapResult = Expr | Readonly<Record<string, Expr>>;

export interface VmapOptions {
  /**
   * The batch axis of each argument (one number for all, or one per argument); `null`: that
   * argument is not batched (the same for every batch element). Default 0.
   */
  readonly inAxes?: number | null | readonly (number | null)[];
  /** Where each output gets the batch axis (one for all, or per output key); `null`: the output must not depend on a batched argument. Default 0. */
  readonly outAxes?: number | null | Readonly<Record<string, number | null>>;
}

/**
 * The batched form of `fn` (JAX's vmap): `vmap(fn)(xs)` computes `fn` on every slice of the
 * batched arguments along their batch axis, as one graph with no loop and no unrolling — each
 * primitive's batching rule rewrites it to work on the whole batch. Expressions `fn` closes over
 * are not batched. Composes with `grad` (per-example gradients: `vmap((x) => grad(loss(x), w))`),
 * with `jvp` and with itself.
 */
export function vmap<A extends readonly Expr[], R extends VmapResult>(fn: (...args: A) => R, options: VmapOptions = {}): (...args: A) => R {
  if (typeof fn !== "function") throw new GraphgradError("vmap", `fn must be a function, got ${typeof fn}`);
  return (...xs: A): R => {
    const inAxes = axesFor(options.inAxes, xs.length);
    let size: Dim | undefined;
    const placeholders = new Map<Expr["node"], Expr["node"]>();
    const args = xs.map((x, i) => {
      if (!(x instanceof Expr)) throw new GraphgradError("vmap", `argument ${i} is not an Expr`);
      const a = inAxes[i] ?? null;
      if (a === null) return x;
      const axis = normalizeAxis(a, x.rank);
      if (axis._tag === "Left") throw new GraphgradError("vmap", `inAxes[${i}]: ${axis.left} (argument ${i} has shape ${formatShape(x.shape)})`);
      const d = x.shape[axis.right] as Dim;
      if (size !== undefined && d !== size) throw new GraphgradError("vmap", `argument ${i} has batch size ${String(d)} on axis ${axis.right}, another argument ${String(size)}`);
      size = d;
      const front = axis.right === 0 ? x : transpose(x, [axis.right, ...Array.from({ length: x.rank }, (_, k) => k).filter((k) => k !== axis.right)]);
      // The per-example argument: a placeholder named after the batched value it stands for.
      const p = input(`vmap:${front.node.id}`, front.shape.slice(1), front.dtype);
      placeholders.set(p.node, front.node);
      return p;
    }) as unknown as A;
    if (size === undefined) throw new GraphgradError("vmap", "no argument is batched (every inAxes entry is null)");
    const out = fn(...args);
    const entries: [string, Expr][] = out instanceof Expr ? [["", out]] : Object.entries(out);
    entries.forEach(([k, v]) => {
      if (!(v instanceof Expr)) throw new GraphgradError("vmap", `fn returned ${k === "" ? "a value" : `'${k}'`} that is not an Expr`);
    });
    const batched = orThrow(batch(entries.map(([, v]) => v.node), placeholders, size));
    const result = entries.map(([k], i) => {
      const b = batched[i] as (typeof batched)[number];
      const axis = outAxisOf(options.outAxes, k);
      if (axis === null) {
        if (b.batched) throw new GraphgradError("vmap", `output ${k === "" ? "" : `'${k}' `}depends on a batched argument, but its outAxes is null`);
        return [k, Expr.of(b.node)] as const;
      }
      const full = b.batched ? Expr.of(b.node) : broadcastTo(Expr.of(b.node), [size as Dim, ...b.node.shape]);
      const to = normalizeAxis(axis, full.rank);
      if (to._tag === "Left") throw new GraphgradError("vmap", `outAxes${k === "" ? "" : `.${k}`}: ${to.left}`);
      if (to.right === 0) return [k, full] as const;
      const perm = Array.from({ length: full.rank - 1 }, (_, j) => j + 1);
      perm.splice(to.right, 0, 0);
      return [k, transpose(full, perm)] as const;
    });
    return (out instanceof Expr ? (result[0] as readonly [string, Expr])[1] : Object.fromEntries(result)) as R;
  };
}

function axesFor(axes: VmapOptions["inAxes"], n: number): readonly (number | null)[] {
  if (axes === undefined) return new Array<number>(n).fill(0);
  if (axes === null || typeof axes === "number") return new Array<number | null>(n).fill(axes);
  if (!Array.isArray(axes) || axes.length !== n) throw new GraphgradError("vmap", `inAxes must be a number, null, or one per argument (${n}), got ${JSON.stringify(axes)}`);
  return axes;
}

function outAxisOf(axes: VmapOptions["outAxes"], key: string): number | null {
  if (axes === undefined) return 0;
  if (axes === null || typeof axes === "number") return axes;
  const a = (axes as Readonly<Record<string, number | null>>)[key];
  if (a === undefined) throw new GraphgradError("vmap", `outAxes has no entry for output '${key}'`);
  return a;
}
