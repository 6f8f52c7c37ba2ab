import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { js } from "../../backends/js/index.js";
import { decodeGraph, encodeGraph, type GraphJson, graphFromJsonString, graphToJsonString } from "../../ir/codec.js";
import { GraphgradError } from "../../ir/errors.js";
import type { Graph } from "../../ir/graph.js";
import { canonical } from "../../ir/node.js";
import { ATTR_CODECS, OP_NAMES } from "../../ir/ops/attrs.js";
import { Tensor, tensorFrom } from "../../ir/tensor.js";
import * as gg from "../../src/index.js";
import { arb } from "../../src/testing/index.js";
import { everyPrimitiveGraph, ownRandomGraphArb } from "./graph-fixtures.js";

/** A mutable deep copy of an encoding, as JSON.parse would give it. */
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };
const clone = (j: GraphJson): JsonObject => JSON.parse(JSON.stringify(j)) as JsonObject;
const nodesOf = (j: JsonObject): JsonObject[] => j.nodes as JsonObject[];

function expectIdentical(decoded: Graph, g: Graph): void {
  expect(decoded.nodes.length).toBe(g.nodes.length);
  decoded.nodes.forEach((n, i) => expect(n === g.nodes[i]).toBe(true));
  expect(Object.keys(decoded.outputs)).toEqual(Object.keys(g.outputs));
  for (const [k, n] of Object.entries(g.outputs)) expect(decoded.outputs[k] === n).toBe(true);
}

function right(r: ReturnType<typeof decodeGraph>): Graph {
  if (r._tag === "Left") throw new Error(`expected Right, got ${r.left.message}`);
  return r.right;
}

/** Every number in a value is one JSON can hold (finite, not -0). */
function isPlainJson(v: unknown): boolean {
  if (typeof v === "number") return Number.isFinite(v) && !Object.is(v, -0);
  if (Array.isArray(v)) return v.every(isPlainJson);
  if (typeof v === "object" && v !== null) return Object.values(v).every(isPlainJson);
  return typeof v === "string" || typeof v === "boolean" || v === null;
}

/** Splits `nodes[3].attrs["a b"][0]` into ["nodes", 3, "attrs", "a b", 0]; undefined if it is not a path. */
function parsePath(where: string): (string | number)[] | undefined {
  if (where === "(root)") return [];
  const re = /^(?:\.?([A-Za-z_$][A-Za-z0-9_$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\])/;
  const out: (string | number)[] = [];
  let rest = where;
  while (rest.length > 0) {
    const m = re.exec(rest);
    if (m === null) return undefined;
    out.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (JSON.parse(m[3] as string) as string)));
    rest = rest.slice(m[0].length);
  }
  return out;
}

/** The error names a path into `json`: every step but the last exists (the last may be the missing one). */
function namesPathIn(json: unknown, err: GraphgradError): boolean {
  // "(json)" is for text, "(graph)" for what only verify would catch, "could not be read" for a thrown exception.
  if (err.where === "(json)" || err.where === "(graph)" || err.message.includes("could not be read")) return false;
  const path = parsePath(err.where);
  if (path === undefined || !err.message.startsWith(`${err.where}: `)) return false;
  let at: unknown = json;
  for (const seg of path.slice(0, -1)) {
    if (typeof at !== "object" || at === null || !Object.prototype.hasOwnProperty.call(at, seg)) return false;
    at = (at as Record<string | number, unknown>)[seg];
  }
  return true;
}

/** `where` is `prefix` or a path below it. */
const under = (where: string, prefix: string): boolean =>
  where === prefix || where.startsWith(`${prefix}.`) || where.startsWith(`${prefix}[`);

function leftOf(json: unknown): GraphgradError {
  const r = decodeGraph(json);
  if (r._tag === "Right") throw new Error("expected a Left, got a graph");
  expect(r.left).toBeInstanceOf(GraphgradError);
  return r.left;
}

describe("codec round trip", () => {
  const g = everyPrimitiveGraph();

  it("the hand-built graph uses every primitive", () => {
    const used = new Set(g.nodes.map((n) => n.op));
    expect(OP_NAMES.filter((op) => !used.has(op))).toEqual([]);
  });

  it("decode(encode(g)) is the identical graph, through the value and through the text", () => {
    expectIdentical(right(decodeGraph(encodeGraph(g))), g);
    expectIdentical(right(graphFromJsonString(graphToJsonString(g))), g);
  });

  it("the encoding is plain JSON, deterministic, and independent of node ids", () => {
    const enc = encodeGraph(g);
    expect(isPlainJson(enc)).toBe(true);
    expect(JSON.parse(JSON.stringify(enc))).toEqual(enc);
    const text = graphToJsonString(g);
    expect(graphToJsonString(g)).toBe(text);
    expect(text.split("\n").filter((l) => l.startsWith('  {"id":')).length).toBe(g.nodes.length);
    // Renumber the ids (any unique non-negative integers will do): the same graph, the same text.
    const j = clone(enc);
    const renumber = (id: Json): number => 1000 + 7 * (id as number);
    for (const n of nodesOf(j)) {
      n.id = renumber(n.id as number);
      n.inputs = (n.inputs as number[]).map(renumber);
    }
    const outs = j.outputs as JsonObject;
    for (const k of Object.keys(outs)) outs[k] = renumber(outs[k] as number);
    expect(graphToJsonString(right(decodeGraph(j)))).toBe(text);
  });

  it("tags NaN, ±Infinity and -0 and restores them exactly", () => {
    const text = graphToJsonString(g);
    for (const tag of ['{"$f":"NaN"}', '{"$f":"Infinity"}', '{"$f":"-Infinity"}', '{"$f":"-0"}']) expect(text).toContain(tag);
    // A literal that no graph holds yet, so decoding must build it from the file alone.
    const json = {
      format: "graphgrad.graph",
      version: 1,
      nodes: [
        {
          id: 0,
          op: "literal",
          inputs: [],
          attrs: { dtype: "float64", shape: [6], values: [{ $f: "NaN" }, { $f: "-0" }, { $f: "Infinity" }, { $f: "-Infinity" }, 0, 0.2718281828] },
          dtype: "float64",
          shape: [6],
        },
      ],
      outputs: { c: 0 },
    };
    const node = right(decodeGraph(json)).outputs.c;
    if (node?.op !== "literal") throw new Error("expected the literal");
    const want = [NaN, -0, Infinity, -Infinity, 0, 0.2718281828];
    expect(node.attrs.values.length).toBe(want.length);
    node.attrs.values.forEach((v, i) => expect(Object.is(v, want[i])).toBe(true));
    expect(encodeGraph({ outputs: { c: node }, nodes: [node] }).nodes[0]?.attrs).toEqual(json.nodes[0]?.attrs);
  });

  it("decodes a graph no process holds into equal nodes that compute the same values", async () => {
    // Renaming the inputs makes every node depending on them new: decoding must build them from the file.
    const enc = encodeGraph(g);
    const rename = (j: JsonObject, prefix: string): JsonObject => {
      for (const n of nodesOf(j)) {
        const attrs = n.attrs as JsonObject;
        if (n.op === "input") attrs.name = `${prefix}${attrs.name as string}`;
      }
      return j;
    };
    const fresh = right(decodeGraph(rename(clone(enc), "copy_")));
    expect(fresh.outputs.loss === g.outputs.loss).toBe(false);
    expect(fresh.nodes.filter((n) => n.op === "input").some((n) => g.nodes.includes(n))).toBe(false);
    expect(fresh.nodes.length).toBe(g.nodes.length);
    fresh.nodes.forEach((n, i) => {
      const m = g.nodes[i];
      if (m === undefined) throw new Error("missing node");
      expect([n.op, n.dtype, n.shape]).toEqual([m.op, m.dtype, m.shape]);
      if (n.op !== "input") expect(canonical(n.attrs)).toBe(canonical(m.attrs));
    });
    expect(clone(encodeGraph(fresh))).toEqual(rename(clone(enc), "copy_"));

    const feeds = (prefix: string): Map<string, Tensor> =>
      new Map([
        [`${prefix}x`, tensorFrom([[0.5, -1, 2, 0.25], [1.5, 0, -0.75, 3]], "float32")],
        [`${prefix}w`, tensorFrom([[0.1, 0.2, 0.3], [-0.4, 0.5, -0.6], [0.7, -0.8, 0.9], [1, -1.1, 1.2]], "float32")],
        [`${prefix}b`, tensorFrom([0.5, -0.5, 0.25], "float64")],
        [`${prefix}ids`, tensorFrom([4, 0, 2], "int32")],
        [`${prefix}table`, tensorFrom([[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]], "float32")],
      ]);
    const [a, b] = await Promise.all([js().compile(g), js().compile(fresh)]);
    const [ra, rb] = await Promise.all([a.run(feeds("")), b.run(feeds("copy_"))]);
    expect(Object.keys(rb)).toEqual(Object.keys(ra));
    for (const k of Object.keys(ra)) {
      const [ta, tb] = [ra[k] as Tensor, rb[k] as Tensor];
      expect([tb.dtype, tb.shape]).toEqual([ta.dtype, ta.shape]);
      expect(Array.from(tb.data as ArrayLike<number>).every((v, i) => Object.is(v, ta.data[i]))).toBe(true);
    }
  });

  it("round-trips random graphs (with dead nodes, too) to the identical graph", () => {
    const graphs = fc.oneof(ownRandomGraphArb, arb.graph({ size: 16 }).map((c) => c.graph));
    fc.assert(
      fc.property(graphs, (rg) => {
        expectIdentical(right(decodeGraph(encodeGraph(rg))), rg);
        expectIdentical(right(graphFromJsonString(graphToJsonString(rg))), rg);
        expect(isPlainJson(encodeGraph(rg))).toBe(true);
      }),
      { numRuns: 80 },
    );
  });

  it("round-trips a compiled (optimized) graph through the public API", async () => {
    const x = gg.input("x", [null, 2]);
    const w = gg.param("w", [2, 2]);
    const loss = gg.mean(gg.softmax(gg.matmul(x, w)));
    const compiled = await gg.compile({ outputs: { loss, gw: gg.grad(loss, w) } });
    const back = gg.graphFromJsonString(gg.graphToJsonString(compiled.graph));
    expectIdentical(right(back), compiled.graph);
    expectIdentical(right(gg.decodeGraph(JSON.parse(JSON.stringify(gg.encodeGraph(compiled.graph))))), compiled.graph);
  });

  it("keeps an output named __proto__ as a plain name", () => {
    const j = clone(encodeGraph(g));
    Object.defineProperty(j.outputs, "__proto__", { value: 0, enumerable: true, writable: true, configurable: true });
    const d = right(decodeGraph(j));
    expect(Object.prototype.hasOwnProperty.call(d.outputs, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(d.outputs)).toBe(Object.prototype);
    expect(right(graphFromJsonString(graphToJsonString(d))).outputs).toEqual(d.outputs);
  });
});

describe("codec errors", () => {
  const g = everyPrimitiveGraph();
  const enc = encodeGraph(g);

  it.each<[string, string, unknown]>([
    ["null", "(root)", null],
    ["a number", "(root)", 42],
    ["a string", "(root)", "graph"],
    ["an array", "(root)", []],
    ["an empty object", "format", {}],
    ["another format", "format", { ...clone(enc), format: "onnx" }],
    ["a future version", "version", { ...clone(enc), version: 2 }],
    ["a version as text", "version", { ...clone(enc), version: "1" }],
    ["nodes as an object", "nodes", { ...clone(enc), nodes: {} }],
    ["outputs as an array", "outputs", { ...clone(enc), outputs: [0] }],
  ])("rejects %s, naming %s", (_what, where, json) => {
    expect(leftOf(json).where).toBe(where);
  });

  it("says a newer version was read", () => {
    expect(leftOf({ ...clone(enc), version: 7 }).message).toMatch(/unsupported version 7.*reads version 1/);
  });

  it("names the node, attribute and index", () => {
    const j = clone(enc);
    const i = nodesOf(j).findIndex((n) => n.op === "reduceSum");
    (nodesOf(j)[i] as JsonObject).attrs = { axes: [0, 1.5], keepdims: false };
    const e = leftOf(j);
    expect(e.where).toBe(`nodes[${i}].attrs.axes[1]`);
    expect(e.message).toContain("expected Int, got 1.5");
  });

  it("rejects huge, negative, fractional and non-finite ids", () => {
    for (const id of [1e300, 2 ** 53, -1, 0.5, NaN, Infinity]) {
      const j = clone(enc);
      (nodesOf(j)[0] as JsonObject).id = id;
      expect(leftOf(j).where).toBe("nodes[0].id");
    }
  });

  it("rejects a duplicate id, a duplicated node and two inputs of one name", () => {
    const j1 = clone(enc);
    (nodesOf(j1)[1] as JsonObject).id = 0;
    expect(leftOf(j1).where).toBe("nodes[1].id");
    const j2 = clone(enc);
    nodesOf(j2).splice(1, 0, { ...(nodesOf(j2)[0] as JsonObject), id: 99999 });
    expect(leftOf(j2).message).toMatch(/^nodes\[1\]: the same node as nodes\[0\]/);
    const j3 = clone(enc);
    const first = nodesOf(j3).find((n) => n.op === "input") as JsonObject;
    nodesOf(j3).splice(1, 0, { ...first, id: 99999, attrs: { ...(first.attrs as JsonObject), kind: (first.attrs as JsonObject).kind === "param" ? "input" : "param" } });
    expect(leftOf(j3).where).toBe("nodes[1].attrs.name");
  });

  it("rejects prototype keys as ops, attributes and number tags without polluting anything", () => {
    for (const op of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
      const j = clone(enc);
      (nodesOf(j)[2] as JsonObject).op = op;
      expect(leftOf(j).where).toBe("nodes[2].op");
    }
    const j = JSON.parse(JSON.stringify(enc).replace('"attrs":{', '"attrs":{"__proto__":{"polluted":1},')) as JsonObject;
    expect(leftOf(j).where).toBe("nodes[0].attrs.__proto__");
    const k = clone(enc);
    const fill = nodesOf(k).findIndex((n) => n.op === "fill");
    ((nodesOf(k)[fill] as JsonObject).attrs as JsonObject).value = JSON.parse('{"$f":"NaN","__proto__":1}') as Json;
    expect(leftOf(k).where).toBe(`nodes[${fill}].attrs.value`);
    ((nodesOf(k)[fill] as JsonObject).attrs as JsonObject).value = { $f: "nan" };
    expect(leftOf(k).where).toBe(`nodes[${fill}].attrs.value.$f`);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("rejects cyclic values and values that are not JSON", () => {
    const j = clone(enc) as Record<string, unknown>;
    const cyc: Record<string, unknown> = {};
    cyc.self = cyc;
    ((j.nodes as JsonObject[])[0] as Record<string, unknown>).attrs = { ...((j.nodes as JsonObject[])[0]?.attrs as object), name: cyc };
    expect(under(leftOf(j).where, "nodes[0].attrs.name")).toBe(true);
    const loop: Record<string, unknown> = { format: "graphgrad.graph", version: 1, outputs: {} };
    loop.nodes = [loop];
    expect(leftOf(loop).where).toMatch(/^nodes\[0\]\./);
    const fn = clone(enc) as Record<string, unknown>;
    ((fn.nodes as Record<string, unknown>[])[0] as Record<string, unknown>).attrs = { name: () => 1 };
    expect(leftOf(fn).where).toBe("nodes[0].attrs.name");
    const getter = Object.defineProperty({}, "format", { enumerable: true, get: () => { throw new Error("boom"); } });
    expect(leftOf(getter).where).toBe("(root)");
  });

  it("reports JSON syntax errors and non-text as Left", () => {
    const r = graphFromJsonString('{"format": ');
    expect(r._tag === "Left" && r.left.where === "(json)").toBe(true);
    const s = graphFromJsonString(42 as unknown as string);
    expect(s._tag === "Left" && s.left.where === "(root)").toBe(true);
  });

  it("re-infers shapes: an operand of the wrong shape is a Left naming the node", () => {
    const j = clone(enc);
    const i = nodesOf(j).findIndex((n) => n.op === "matmul");
    const w = nodesOf(j).find((n) => n.op === "input" && (n.attrs as JsonObject).name === "w") as JsonObject;
    (nodesOf(j)[i] as JsonObject).inputs = [w.id as number, w.id as number]; // [4,3] x [4,3]
    const e = leftOf(j);
    expect(e.where).toBe(`nodes[${i}]`);
    expect(e.message).toMatch(/matmul.*\[4,3\].*\[4,3\]/);
  });
});

// ---------------------------------------------------------------------------------------------
// Corrupted encodings: each mutation says where the error must be; decoding never throws.

interface Mutation {
  readonly json: unknown;
  /** The path the error must name (or lie below); undefined when the mutation may leave a valid graph. */
  readonly expect: string | undefined;
}

type Mutator = (j: JsonObject, r: readonly number[]) => Mutation | undefined;

const NODE_FIELDS = ["id", "op", "inputs", "attrs", "dtype", "shape"] as const;
const WRONG_VALUES: Readonly<Record<(typeof NODE_FIELDS)[number], readonly Json[]>> = {
  id: ["0", -1, 1.5, null, {}, [0], true],
  op: [3, null, [], {}, true],
  inputs: ["0", {}, [-1], [0.5], [null], ["0"], 3],
  attrs: [[], "x", 3, null, true],
  dtype: ["float16", "f32", 3, null, [], {}],
  shape: ["3", [{}], [null], [true], [[1]], 3, {}],
};
const WRONG_ATTR_VALUES: readonly Json[] = [{ oops: 1 }, [[["x"]]], null, { $f: "nan" }, { $f: "NaN", x: 1 }, { $f: 0 }];
const UNKNOWN_OPS = ["__proto__", "constructor", "toString", "valueOf", "Add", "conv2d", "", "reduce_sum"];
const DTYPES = ["bool", "int32", "float32", "float64"];

const pickOf = <T>(xs: readonly T[], r: number): T | undefined => xs[r % Math.max(xs.length, 1)];
const nodeAt = (j: JsonObject, r: number): [number, JsonObject] => {
  const i = r % nodesOf(j).length;
  return [i, nodesOf(j)[i] as JsonObject];
};
const keyPath = (k: string): string => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`);
const setOwn = (o: object, k: string, v: Json): void => {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
};
const attrKeySet = (op: string): string =>
  Object.keys((ATTR_CODECS as Record<string, { props: object }>)[op]?.props ?? {})
    .sort()
    .join(",");

const MUTATORS: Readonly<Record<string, Mutator>> = {
  deleteNodeField: (j, [a = 0, b = 0]) => {
    const [i, n] = nodeAt(j, a);
    const f = pickOf(NODE_FIELDS, b) as string;
    delete n[f];
    return { json: j, expect: `nodes[${i}].${f}` };
  },
  deleteTopField: (j, [a = 0]) => {
    const f = pickOf(["format", "version", "nodes", "outputs"], a) as string;
    delete j[f];
    return { json: j, expect: f };
  },
  wrongFieldType: (j, [a = 0, b = 0, c = 0]) => {
    const [i, n] = nodeAt(j, a);
    const f = pickOf(NODE_FIELDS, b) as (typeof NODE_FIELDS)[number];
    n[f] = pickOf(WRONG_VALUES[f], c) as Json;
    return { json: j, expect: `nodes[${i}].${f}` };
  },
  laterOrMissingInput: (j, [a = 0, b = 0, c = 0]) => {
    const users = nodesOf(j).flatMap((n, i) => ((n.inputs as number[]).length > 0 ? [i] : []));
    const i = pickOf(users, a);
    if (i === undefined) return undefined;
    const ins = (nodesOf(j)[i] as JsonObject).inputs as number[];
    const k = b % ins.length;
    const count = nodesOf(j).length;
    ins[k] = pickOf([i, i + (c % (count - i)), count, count + 17, 2 ** 53 - 1], c) as number; // ids are positions
    return { json: j, expect: `nodes[${i}].inputs[${k}]` };
  },
  unknownOp: (j, [a = 0, b = 0]) => {
    const [i, n] = nodeAt(j, a);
    n.op = pickOf(UNKNOWN_OPS, b) as string;
    return { json: j, expect: `nodes[${i}].op` };
  },
  opWithOtherAttributes: (j, [a = 0, b = 0]) => {
    const [i, n] = nodeAt(j, a);
    const others = OP_NAMES.filter((op) => attrKeySet(op) !== attrKeySet(n.op as string));
    n.op = pickOf(others, b) as string;
    return { json: j, expect: `nodes[${i}].attrs` };
  },
  wrongAttrValue: (j, [a = 0, b = 0, c = 0]) => {
    const withAttrs = nodesOf(j).flatMap((n, i) => (Object.keys(n.attrs as JsonObject).length > 0 ? [i] : []));
    const i = pickOf(withAttrs, a);
    if (i === undefined) return undefined;
    const attrs = (nodesOf(j)[i] as JsonObject).attrs as JsonObject;
    const k = pickOf(Object.keys(attrs), b) as string;
    attrs[k] = pickOf(WRONG_ATTR_VALUES, c) as Json;
    return { json: j, expect: `nodes[${i}].attrs.${k}` };
  },
  extraAttr: (j, [a = 0, b = 0]) => {
    const [i, n] = nodeAt(j, a);
    const k = pickOf(["__proto__", "bogus", "constructor", "my key", "$f"], b) as string;
    setOwn(n.attrs as JsonObject, k, 1);
    return { json: j, expect: `nodes[${i}].attrs${keyPath(k)}` };
  },
  wrongDtype: (j, [a = 0, b = 0]) => {
    const [i, n] = nodeAt(j, a);
    n.dtype = pickOf(DTYPES.filter((d) => d !== n.dtype), b) as string;
    return { json: j, expect: `nodes[${i}].dtype` };
  },
  wrongShape: (j, [a = 0, b = 0, c = 0]) => {
    const [i, n] = nodeAt(j, a);
    const s = n.shape as (number | string)[];
    const variants: (number | string)[][] = [[...s, 1], [...s, "?zz.0"], s.slice(1), s.map((d, k) => (k === c % s.length ? (typeof d === "number" ? d + 1 : "?other.9") : d))];
    const shape = variants.filter((v) => JSON.stringify(v) !== JSON.stringify(s))[b % 3] as Json;
    n.shape = shape;
    return { json: j, expect: `nodes[${i}].shape` };
  },
  reshapedInput: (j, [a = 0]) => {
    const inputs = nodesOf(j).flatMap((n, i) => (n.op === "input" ? [i] : []));
    const i = pickOf(inputs, a);
    if (i === undefined) return undefined;
    const attrs = (nodesOf(j)[i] as JsonObject).attrs as JsonObject;
    attrs.shape = [...(attrs.shape as Json[]), 2];
    return { json: j, expect: `nodes[${i}].shape` };
  },
  badOutput: (j, [a = 0, b = 0]) => {
    const outs = j.outputs as JsonObject;
    const name = pickOf([...Object.keys(outs), "__proto__", "a b"], a) as string;
    setOwn(outs, name, pickOf([nodesOf(j).length, nodesOf(j).length + 5, "3", -1, 1.5, null, {}], b) as Json);
    return { json: j, expect: `outputs${keyPath(name)}` };
  },
  duplicateId: (j, [a = 0]) => {
    if (nodesOf(j).length < 2) return undefined;
    const i = 1 + (a % (nodesOf(j).length - 1));
    (nodesOf(j)[i] as JsonObject).id = (nodesOf(j)[a % i] as JsonObject).id as number;
    return { json: j, expect: `nodes[${i}].id` };
  },
  badVersionOrFormat: (j, [a = 0, b = 0]) => {
    const f = a % 2 === 0 ? "version" : "format";
    j[f] = pickOf(f === "version" ? [2, 0, "1", null, 1.5, [1]] : ["graphgrad.graph2", null, "", 1], b) as Json;
    return { json: j, expect: f };
  },
};

/** Replaces a random node field (or the whole file) by an arbitrary JSON value: any outcome but a throw. */
const replaceWithJson = (j: JsonObject, [a = 0, b = 0]: readonly number[], v: Json): Mutation => {
  if (b % 4 === 0) return { json: v, expect: undefined };
  const [, n] = nodeAt(j, a);
  n[pickOf(NODE_FIELDS, b) as string] = v;
  return { json: j, expect: undefined };
};

const graphsArb = fc.oneof(fc.constant(everyPrimitiveGraph()), ownRandomGraphArb, arb.graph().map((c) => c.graph));
const knobsArb = fc.array(fc.nat(), { minLength: 3, maxLength: 3 });

describe("corrupted encodings", () => {
  it("every targeted mutation is a Left naming the mutated path", () => {
    fc.assert(
      fc.property(graphsArb, fc.constantFrom(...Object.keys(MUTATORS)), knobsArb, (graph, kind, knobs) => {
        const m = (MUTATORS[kind] as Mutator)(clone(encodeGraph(graph)), knobs);
        if (m === undefined || m.expect === undefined) return;
        const e = leftOf(m.json);
        expect(namesPathIn(m.json, e), e.message).toBe(true);
        expect(under(e.where, m.expect), `${kind}: expected ${m.expect}, got ${e.message}`).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("arbitrary JSON values, in place of the file or of a node field, never throw and name a path", () => {
    fc.assert(
      fc.property(graphsArb, knobsArb, fc.jsonValue() as fc.Arbitrary<Json>, (graph, knobs, v) => {
        const m = replaceWithJson(clone(encodeGraph(graph)), knobs, v);
        const r = decodeGraph(m.json);
        if (r._tag === "Left") expect(namesPathIn(m.json, r.left), r.left.message).toBe(true);
        else expectIdentical(r.right, graph); // a harmless replacement (e.g. {} for attrs that are {})
      }),
      { numRuns: 200 },
    );
  });

  it("arbitrary text never throws", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.constant(graphToJsonString(everyPrimitiveGraph()))), fc.nat(), (text, cut) => {
        const r = graphFromJsonString(text.slice(0, cut % (text.length + 1)));
        if (r._tag === "Left") expect(r.left).toBeInstanceOf(GraphgradError);
      }),
      { numRuns: 300 },
    );
  });
});
