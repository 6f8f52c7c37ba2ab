import { isFloat } from "../dtype.js";
import type { Node, NodeOf } from "../node.js";
import type { BatchedArg, BatchKit, Builders, Cotangents, RuleKit, Tangents } from "../op.js";
import type { Dim } from "../shape.js";
import { closeOver, placeholder, type Subgraph } from "../subgraph.js";
import { withBatchAxis } from "./batching.js";

/**
 * The rules of `scan` (defined in scan.ts): each builds another scan whose body is a transform of
 * this one's body.
 *
 * - VJP: a reverse scan. The forward saves the carry entering each step (its carry-stack
 *   results: length × the carry's size, per carry); the backward scan recomputes each step's body
 *   from it and runs the body's VJP, threading the carry's cotangent and summing the consts'.
 *   Time: about two forward passes plus one backward; memory: the carry stacks.
 * - JVP: one forward scan carrying (value, tangent) pairs, its body the body's JVP.
 * - Batching: the body batched; a carry becomes batched when the body makes it so (found by
 *   iterating to a fixed point); xs get their batch axis after the loop axis, ys lose it again.
 */

interface Scan {
  readonly body: Subgraph;
  readonly consts: readonly Node[];
  readonly inits: readonly Node[];
  readonly xs: readonly Node[];
  readonly length: Dim;
  readonly reverse: boolean;
}

type Input = NodeOf<"input">;

/** The operands and the body's parameters and results, by group. */
function groups(n: NodeOf<"scan">) {
  const a = n.attrs;
  const [C, K] = [a.consts, a.carry];
  const P = a.body.params;
  const R = a.body.results;
  return {
    consts: n.inputs.slice(0, C),
    inits: n.inputs.slice(C, C + K),
    xs: n.inputs.slice(C + K),
    pc: P.slice(0, C),
    ph: P.slice(C, C + K),
    px: P.slice(C + K),
    rh: R.slice(0, K),
    ry: R.slice(K),
    self: { body: a.body, consts: n.inputs.slice(0, C), inits: n.inputs.slice(C, C + K), xs: n.inputs.slice(C + K), length: a.length, reverse: a.reverse } as Scan,
  };
}

/** Result `output` of a scan (its nodes are made on demand; those of one scan are computed together). */
function result(b: Builders, s: Scan, output: number): Node {
  return b.emit("scan", [...s.consts, ...s.inits, ...s.xs], { body: s.body, length: s.length, reverse: s.reverse, consts: s.consts.length, carry: s.inits.length, output });
}

/** A scan of a body traced on placeholders; values it needs from outside become leading consts. */
function traced(
  b: Builders,
  tag: string,
  s: { consts: readonly Node[]; pc: readonly Input[]; inits: readonly Node[]; ph: readonly Input[]; xs: readonly Node[]; px: readonly Input[]; rh: readonly Node[]; ry: readonly Node[]; length: Dim; reverse: boolean },
): Scan {
  const { body, captured } = closeOver(b.emit, [...s.pc, ...s.ph, ...s.px], [...s.rh, ...s.ry], (outer, i) => placeholder(b.emit, `${tag}:k${i}:${outer.id}`, outer.shape, outer.dtype));
  return { body, consts: [...captured, ...s.consts], inits: s.inits, xs: s.xs, length: s.length, reverse: s.reverse };
}

/** Indices of the float nodes of a list. */
const floats = (ns: readonly Node[]): number[] => ns.flatMap((x, i) => (isFloat(x.dtype) ? [i] : []));

export function scanVjp(n: NodeOf<"scan">, g: Node, b: RuleKit): Cotangents {
  const { consts, inits, xs, pc, ph, px, rh, ry, self } = groups(n);
  const [K, Y] = [ph.length, ry.length];
  const o = n.attrs.output;
  const tag = `scan-vjp:${n.id}`;
  const [fc, fh, fx] = [floats(pc), floats(ph), floats(px)];
  // The cotangent enters at the final carry, a stacked y, or a carry-stack element.
  const ctY = ry.map((_, j) => (o === K + j ? g : null));
  const ctStack = ph.map((_, j) => (o === K + Y + j ? g : null));
  const gh = fh.map((j) => placeholder(b.emit, `${tag}:gh${j}`, (ph[j] as Node).shape, (ph[j] as Node).dtype));
  const acc = fc.map((i) => placeholder(b.emit, `${tag}:ac${i}`, (pc[i] as Node).shape, (pc[i] as Node).dtype));
  const gy = ry.map((r, j) => (ctY[j] === null ? null : placeholder(b.emit, `${tag}:gy${j}`, r.shape, r.dtype)));
  const gs = ph.map((p, j) => (ctStack[j] === null ? null : placeholder(b.emit, `${tag}:gs${j}`, p.shape, p.dtype)));
  // The body's VJP at each step, recomputing the step from its saved carry.
  const wrt = [...fc.map((i) => pc[i] as Node), ...fh.map((j) => ph[j] as Node), ...fx.map((i) => px[i] as Node)];
  const seeds = [...rh.map((_, j) => (fh.includes(j) ? (gh[fh.indexOf(j)] as Node) : null)), ...gy];
  const grads = wrt.length === 0 ? [] : b.vjp([...rh, ...ry], seeds, wrt);
  const ctC = grads.slice(0, fc.length);
  const ctH = grads.slice(fc.length, fc.length + fh.length);
  const ctX = grads.slice(fc.length + fh.length);
  const newCarry = fh.map((j, k) => (gs[j] === null || gs[j] === undefined ? (ctH[k] as Node) : b.add(ctH[k] as Node, gs[j] as Node)));
  const newAcc = fc.map((_, k) => b.add(acc[k] as Node, ctC[k] as Node));
  const stacks = ph.map((_, j) => result(b, self, K + Y + j));
  const zeros = (x: Node): Node => b.fill(0, x.shape, x.dtype);
  const back = traced(b, tag, {
    consts,
    pc,
    inits: [...fh.map((j) => (o === j ? g : zeros(inits[j] as Node))), ...fc.map((i) => zeros(consts[i] as Node))],
    ph: [...gh, ...acc],
    xs: [...stacks, ...xs, ...ctY.filter((c): c is Node => c !== null), ...ctStack.filter((c): c is Node => c !== null)],
    px: [...ph, ...px, ...gy.filter((p): p is Input => p !== null), ...gs.filter((p): p is Input => p !== null)],
    rh: [...newCarry, ...newAcc],
    ry: ctX,
    length: n.attrs.length,
    reverse: !n.attrs.reverse,
  });
  const out: (Node | null)[] = n.inputs.map(() => null);
  const [C] = [consts.length];
  fc.forEach((i, k) => (out[i] = result(b, back, fh.length + k)));
  fh.forEach((j, k) => (out[C + j] = result(b, back, k)));
  fx.forEach((i, k) => (out[C + K + i] = result(b, back, fh.length + fc.length + k)));
  return out;
}

export function scanJvp(n: NodeOf<"scan">, ts: Tangents, b: RuleKit): Node | null {
  const { consts, inits, xs, pc, ph, px, rh, ry } = groups(n);
  const [C, K, Y] = [pc.length, ph.length, ry.length];
  const o = n.attrs.output;
  const tag = `scan-jvp:${n.id}`;
  const tc = pc.map((_, i) => ts[i] ?? null);
  const th = ph.map((_, j) => ts[C + j] ?? null);
  const tx = px.map((_, i) => ts[C + K + i] ?? null);
  // Every float carry carries a tangent (the body may make it non-zero); consts and xs only where given.
  const cI = tc.flatMap((t, i) => (t === null ? [] : [i]));
  const hI = floats(ph);
  const xI = tx.flatMap((t, i) => (t === null ? [] : [i]));
  const tpc = cI.map((i) => placeholder(b.emit, `${tag}:c${i}`, (pc[i] as Node).shape, (pc[i] as Node).dtype));
  const tph = hI.map((j) => placeholder(b.emit, `${tag}:h${j}`, (ph[j] as Node).shape, (ph[j] as Node).dtype));
  const tpx = xI.map((i) => placeholder(b.emit, `${tag}:x${i}`, (px[i] as Node).shape, (px[i] as Node).dtype));
  const yI = floats(ry);
  const outs = b.jvp(
    [...hI.map((j) => rh[j] as Node), ...yI.map((j) => ry[j] as Node)],
    [...cI.map((i) => pc[i] as Node), ...hI.map((j) => ph[j] as Node), ...xI.map((i) => px[i] as Node)],
    [...tpc, ...tph, ...tpx],
  );
  const s = traced(b, tag, {
    consts: [...consts, ...cI.map((i) => tc[i] as Node)],
    pc: [...pc, ...tpc],
    inits: [...inits, ...hI.map((j) => th[j] ?? b.fill(0, (inits[j] as Node).shape, (inits[j] as Node).dtype))],
    ph: [...ph, ...tph],
    xs: [...xs, ...xI.map((i) => tx[i] as Node)],
    px: [...px, ...tpx],
    rh: [...rh, ...outs.slice(0, hI.length)],
    ry: [...ry, ...outs.slice(hI.length)],
    length: n.attrs.length,
    reverse: n.attrs.reverse,
  });
  const [K2, Y2] = [K + hI.length, Y + yI.length];
  if (o < K) return hI.includes(o) ? result(b, s, K + hI.indexOf(o)) : null;
  if (o < K + Y) return yI.includes(o - K) ? result(b, s, K2 + Y + yI.indexOf(o - K)) : null;
  const j = o - K - Y;
  return hI.includes(j) ? result(b, s, K2 + Y2 + K + hI.indexOf(j)) : null;
}

export function scanBatch(n: NodeOf<"scan">, args: readonly BatchedArg[], b: BatchKit): Node {
  const { pc, ph, px, rh, ry } = groups(n);
  const [C, K, Y] = [pc.length, ph.length, ry.length];
  const o = n.attrs.output;
  const tag = `scan-vmap:${n.id}`;
  const arg = (i: number): BatchedArg => args[i] as BatchedArg;
  const params = [...pc, ...ph, ...px];
  const batched = params.map((_, i) => arg(i).batched);
  // A carry the body makes batched is batched from the start: grow the set to a fixed point.
  let outs: BatchedArg[];
  let placeholders: Input[];
  for (;;) {
    placeholders = params.map((p, i) => (batched[i] === true ? placeholder(b.emit, `${tag}:${i}`, [b.size, ...p.shape], p.dtype) : p));
    const map = new Map<Node, Node>(params.flatMap((p, i) => (batched[i] === true ? [[p, placeholders[i] as Node] as const] : [])));
    outs = b.batch([...rh, ...ry], map, b.size);
    const grow = rh.flatMap((_, j) => ((outs[j] as BatchedArg).batched && batched[C + j] !== true ? [C + j] : []));
    if (grow.length === 0) break;
    for (const i of grow) batched[i] = true;
  }
  const operand = (i: number): Node => {
    const a = arg(i);
    if (i < C) return a.node;
    if (i < C + K) return batched[i] === true ? withBatchAxis(a, b) : a.node;
    // xs: [B, T, ...] -> [T, B, ...]: the loop axis first, then the batch axis of each slice.
    return a.batched ? b.transpose(a.node, [1, 0, ...a.node.shape.slice(2).map((_, k) => k + 2)]) : a.node;
  };
  const s = traced(b, tag, {
    consts: pc.map((_, i) => operand(i)),
    pc: placeholders.slice(0, C),
    inits: ph.map((_, j) => operand(C + j)),
    ph: placeholders.slice(C, C + K),
    xs: px.map((_, i) => operand(C + K + i)),
    px: placeholders.slice(C + K),
    rh: rh.map((_, j) => (batched[C + j] === true ? withBatchAxis(outs[j] as BatchedArg, b) : (outs[j] as BatchedArg).node)),
    ry: ry.map((_, j) => (outs[K + j] as BatchedArg).node),
    length: n.attrs.length,
    reverse: n.attrs.reverse,
  });
  const r = result(b, s, o);
  // Final carries have the batch axis first already; stacked results [T, B, ...] move it there.
  const isBatched = o < K ? batched[C + o] === true : o < K + Y ? (outs[o] as BatchedArg).batched : batched[C + o - K - Y] === true;
  if (!isBatched) return withBatchAxis({ node: r, batched: false }, b);
  return o < K ? r : b.transpose(r, [1, 0, ...r.shape.slice(2).map((_, k) => k + 2)]);
}
