import fc from "fast-check";
import * as gg from "../../src/index.js";

/**
 * The public API as the fuzz property sees it: every function exported by `gg` and by its
 * namespaces (found by walking the module, so a new export is covered without editing a list),
 * exported classes' constructors and static methods; and arbitraries of bad arguments.
 */

export interface Entry {
  /** `gg.nn.dense`, `new gg.Tensor`, `gg.Expr.of`. */
  readonly path: string;
  readonly call: (args: readonly unknown[]) => unknown;
  readonly arity: number;
}

const isClass = (f: Function): boolean => /^class[\s{]/.test(Function.prototype.toString.call(f));
const isNamespace = (v: object): boolean =>
  Object.prototype.toString.call(v) === "[object Module]" || Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null;

/** Every callable export, depth first, each once (a namespace re-exported twice is walked once). */
export function publicEntries(root: object = gg, prefix = "gg"): Entry[] {
  const out: Entry[] = [];
  const seen = new Set<unknown>();
  const walk = (obj: object, path: string): void => {
    if (seen.has(obj)) return;
    seen.add(obj);
    for (const [name, v] of Object.entries(obj)) {
      const p = `${path}.${name}`;
      if (typeof v === "function") {
        if (seen.has(v)) continue;
        seen.add(v);
        const f = v as (...a: unknown[]) => unknown;
        if (isClass(v)) {
          const C = v as new (...a: unknown[]) => unknown;
          out.push({ path: `new ${p}`, call: (args) => new C(...args), arity: v.length });
          for (const s of Object.getOwnPropertyNames(v)) {
            const m = (v as unknown as Record<string, unknown>)[s];
            if (typeof m === "function" && !["length", "name", "prototype"].includes(s)) {
              out.push({ path: `${p}.${s}`, call: (args) => (m as (...a: unknown[]) => unknown).apply(v, [...args]), arity: m.length });
            }
          }
        } else out.push({ path: p, call: (args) => f(...args), arity: v.length });
      } else if (v !== null && typeof v === "object" && isNamespace(v)) walk(v, p);
    }
  };
  walk(root, prefix);
  return out;
}

/** Numbers no size, index, rate or count accepts, and a few ordinary ones to reach deeper checks. */
const NUMBERS = [0, 1, 2, 3, -1, -2, 0.5, 1.5, -(2 ** 31), 2 ** 33, 1e15, 2 ** 53, 1e300, NaN, Infinity, -Infinity, -0];
const STRINGS = ["", "x", "float32", "int32", "bool", "complex64", "sgd", "accuracy", "__proto__", "constructor", "0"];

/**
 * A few well-formed values (small expressions, tensors, shapes, options) mixed into the garbage so
 * calls get past their first check and reach the later ones. Sizes stay tiny: nothing here asks
 * for more than a few elements, and the "huge" numbers above are beyond what any engine allocates.
 */
function wellFormed(): unknown[] {
  const x = gg.input("fuzz/x", [2, 3]);
  const w = gg.param("fuzz/w", [3, 2]);
  const i = gg.input("fuzz/i", [2], "int32");
  const b = gg.input("fuzz/b", [2], "bool");
  const s = gg.input("fuzz/s", [null, 3]);
  const loss = gg.sum(gg.matmul(x, w));
  return [
    x, w, i, b, s, loss, gg.scalar(1.5), gg.random.key(1),
    gg.tensorFrom([[1, 2, 3], [4, 5, 6]], "float32"), gg.tensorFrom([1, 0], "int32"), gg.tensorFrom([true, false], "bool"),
    [2, 3], [], [-1], [null, 3], [0, 1], [[1, 2], [3, 4]], [x, w], [x, x],
    { lr: 0.1 }, { outputs: { y: x } }, { "fuzz/x": [[1, 2, 3], [4, 5, 6]] }, { y: x }, { x: [1, 2] },
    () => x, (a: unknown) => a, Float32Array.of(1, 2), Int32Array.of(1, 2), new Float64Array(6), new Uint8Array(2),
    gg.js(), "js", "wasm",
  ];
}

/** Garbage: bad scalars, well-formed values, and nested arrays and objects of both. */
export function badValueArb(): fc.Arbitrary<unknown> {
  const pool = wellFormed();
  const leaf = fc.oneof(
    fc.constantFrom<unknown>(undefined, null, true, false, ...NUMBERS, ...STRINGS, Symbol("fuzz"), 10n, new Date(0), /x/, new Map(), new Int16Array(2), new DataView(new ArrayBuffer(4))),
    fc.constantFrom(...pool),
    // No integers between 10^4 and 2^33: a count or size there could allocate for real.
    fc.double().filter((v) => !Number.isInteger(v) || Math.abs(v) < 1e4 || Math.abs(v) > 2 ** 33),
    fc.integer({ min: -5, max: 5 }),
    fc.string({ maxLength: 4 }),
  );
  const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
    tree: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      leaf,
      fc.array(tie("tree"), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom(...STRINGS, "shape", "dtype", "lr", "outputs", "loss", "optimizer", "backend", "axis", "name"), tie("tree"), { maxKeys: 3 }),
      tie("tree").map((v) => () => v),
    ),
  }));
  return tree;
}

/** Argument lists: up to one more than the function declares (and at least three). */
export const argsArb = (arity: number): fc.Arbitrary<unknown[]> => fc.array(badValueArb(), { maxLength: Math.max(arity + 1, 3) });
