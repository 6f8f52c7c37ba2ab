import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Graph, graphOf } from "../../ir/graph.js";
import type { Node } from "../../ir/node.js";
import { formatType, printGraph, shortName, toDot } from "../../ir/print.js";
import * as gg from "../../src/index.js";
import { arb } from "../../src/testing/index.js";
import { everyPrimitiveGraph, ownRandomGraphArb } from "./graph-fixtures.js";

const randomGraphs = fc.oneof(ownRandomGraphArb, arb.graph({ size: 16 }).map((c) => c.graph));

const graph = (outputs: Record<string, gg.Expr>): Graph => graphOf(Object.fromEntries(Object.entries(outputs).map(([k, e]) => [k, e.node])));

interface Binding {
  readonly name: string;
  readonly type: string;
  readonly op: string;
  readonly attrs: string;
  readonly operands: readonly string[];
}

/** Splits a `let` line `    c:f32[2] = reduceSum{axes=[0] keepdims=false} a b` into its parts. */
function parseBinding(line: string): Binding {
  const m = /^ {4}([^\s:]+):(\S+) = ([A-Za-z]+)(.*)$/.exec(line);
  if (m === null) throw new Error(`not a binding: ${line}`);
  let rest = m[4] as string;
  let attrs = "";
  if (rest.startsWith("{")) {
    let depth = 0;
    let end = 0;
    for (; end < rest.length; end++) {
      if (rest[end] === "{") depth++;
      if (rest[end] === "}" && --depth === 0) break;
    }
    attrs = rest.slice(0, end + 1);
    rest = rest.slice(end + 1);
  }
  const operands = rest.split(" ").filter((s) => s !== "");
  return { name: m[1] as string, type: m[2] as string, op: m[3] as string, attrs, operands };
}

/** Checks the text against the graph: one line per non-input node, naming its type, op and every operand. */
function checkText(g: Graph): void {
  const text = printGraph(g);
  const lines = text.split("\n");
  const header = lines[0] as string;
  expect(header.startsWith("{ lambda ") && header.endsWith(" .")).toBe(true);
  expect(lines[1]).toBe("  let");
  const last = lines[lines.length - 1] as string;
  expect(last.startsWith("  in (") && last.endsWith(") }")).toBe(true);

  const names = new Map<Node, string>();
  // Header: inputs, then `;` and parameters, each `name:type`.
  const sources = g.nodes.filter((n) => n.op === "input");
  const tokens = header.slice("{ lambda ".length, -" .".length).split(" ").filter((t) => t !== "" && t !== ";");
  const order = [...sources.filter((n) => n.op === "input" && n.attrs.kind === "input"), ...sources.filter((n) => n.op === "input" && n.attrs.kind === "param")];
  expect(tokens.length).toBe(order.length);
  order.forEach((n, i) => {
    const tok = tokens[i] as string;
    const cut = tok.lastIndexOf(":");
    expect(tok.slice(cut + 1)).toBe(formatType(n));
    if (n.op === "input") expect(tok.slice(0, cut)).toBe(n.attrs.name);
    names.set(n, tok.slice(0, cut));
  });

  const body = lines.slice(2, -1);
  const computed = g.nodes.filter((n) => n.op !== "input");
  expect(body.length).toBe(computed.length);
  computed.forEach((n, i) => {
    const b = parseBinding(body[i] as string);
    expect([b.op, b.type]).toEqual([n.op, formatType(n)]);
    expect(b.operands).toEqual(n.inputs.map((x) => names.get(x)));
    expect(b.name).toMatch(/^[a-z]+$/);
    names.set(n, b.name);
  });
  expect(new Set(names.values()).size).toBe(g.nodes.length);

  const outs = last.slice("  in (".length, -") }".length);
  expect(outs).toBe(Object.entries(g.outputs).map(([k, n]) => `${k}=${names.get(n)}`).join(", "));
}

describe("printGraph", () => {
  it("prints a small graph as a Jaxpr-like text", () => {
    const x = gg.input("x", [null, 4]);
    const w = gg.param("w", [4, 3]);
    const loss = gg.sum(gg.tanh(gg.matmul(x, w)), 1, true);
    expect(printGraph(graph({ loss }))).toBe(
      [
        "{ lambda x:f32[?x.0,4] ; w:f32[4,3] .",
        "  let",
        "    a:f32[?x.0,3] = matmul x w",
        "    b:f32[?x.0,3] = tanh a",
        "    c:f32[?x.0,1] = reduceSum{axes=[1] keepdims=true} b",
        "  in (loss=c) }",
      ].join("\n"),
    );
  });

  it("has one line per node naming every operand, on the every-primitive graph and on random graphs", () => {
    checkText(everyPrimitiveGraph());
    fc.assert(fc.property(randomGraphs, checkText), { numRuns: 60 });
  });

  it("shows attributes compactly, special numbers exactly, and cuts long constants short", () => {
    const x = gg.input("x", [2]);
    const text = printGraph(
      graph({
        nan: gg.add(x, gg.scalar(NaN)),
        negZero: gg.mul(x, gg.scalar(-0)),
        inf: gg.cast(gg.fill([2], -Infinity, "float64"), "float32"),
        long: gg.constant([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
      }),
    );
    expect(text).toContain(" = fill{value=NaN}\n");
    expect(text).toContain(" = fill{value=-0}\n");
    expect(text).toContain(":f64[2] = fill{value=-Infinity}\n");
    expect(text).toMatch(/:f32\[2\] = cast [a-z]+\n/); // the dtype attribute is the result type: not repeated
    expect(text).toContain(":f32[10] = literal{values=[1,2,3,4,5,6,…+4]}\n");
  });

  it("names variables a..z, aa, ab, ... and skips the inputs' own names", () => {
    const names = Array.from({ length: 800 }, (_, i) => shortName(i));
    expect([names[0], names[25], names[26], names[27], names[701], names[702]]).toEqual(["a", "z", "aa", "ab", "zz", "aaa"]);
    expect(new Set(names).size).toBe(names.length);
    // In (length, alphabetical) order: each name is the successor of the one before.
    names.slice(1).forEach((n, i) => expect(n.length > (names[i] as string).length || n > (names[i] as string)).toBe(true));

    let y = gg.input("b", [3]);
    for (let i = 0; i < 30; i++) y = gg.neg(gg.exp(y));
    const lines = printGraph(graph({ y })).split("\n");
    const binders = lines.slice(2, -1).map((l) => parseBinding(l).name);
    expect(binders.slice(0, 3)).toEqual(["a", "c", "d"]); // "b" is the input's
    expect(binders).toContain("aa");
    expect(binders).toContain("ab");
  });

  it("quotes names that are not plain identifiers", () => {
    const x = gg.input("my input", [2]);
    const text = printGraph(graphOf({ "the loss": gg.sum(x).node }));
    expect(text).toContain('{ lambda "my input":f32[2] .');
    expect(text).toContain(' = reduceSum{axes=[0] keepdims=false} "my input"\n');
    expect(text).toContain('in ("the loss"=a) }');
  });
});

/** Braces balance outside quoted strings. */
function bracesBalance(dot: string): boolean {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < dot.length; i++) {
    const c = dot[i];
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === "{") depth++;
    else if (c === "}" && --depth < 0) return false;
  }
  return depth === 0 && !quoted;
}

const NODE_STMT = /^ {2}(n\d+) \[label="((?:[^"\\]|\\.)*)"(.*)\];$/;
const EDGE_STMT = /^ {2}(n\d+) -> (n\d+)(?: \[label="(\d+)"\])?;$/;

function checkDot(g: Graph): void {
  const dot = toDot(g);
  expect(dot.startsWith("digraph graphgrad {\n")).toBe(true);
  expect(dot.endsWith("\n}")).toBe(true);
  expect(bracesBalance(dot)).toBe(true);
  const lines = dot.split("\n");
  const nodeLines = lines.filter((l) => NODE_STMT.test(l));
  const edgeLines = lines.filter((l) => l.includes("->"));
  expect(nodeLines.length).toBe(g.nodes.length);
  expect(edgeLines.length).toBe(g.nodes.reduce((s, n) => s + n.inputs.length, 0));

  const idOf = new Map<Node, string>();
  const outputs = new Set(Object.values(g.outputs));
  g.nodes.forEach((n, i) => {
    const m = NODE_STMT.exec(nodeLines[i] as string) as RegExpExecArray;
    idOf.set(n, m[1] as string);
    const label = (m[2] as string).split("\\n");
    const style = m[3] as string;
    expect(label[1]).toBe(formatType(n));
    if (n.op === "input") {
      expect(label[0]).toBe(`${n.attrs.kind} ${n.attrs.name}`);
      expect(style).toContain("shape=invhouse");
      expect(style).toContain(n.attrs.kind === "param" ? "#fde2b3" : "#cfe2ff");
    } else {
      expect((label[0] as string).startsWith(n.op)).toBe(true);
      expect(style).not.toContain("invhouse");
    }
    expect(style.includes("peripheries=2")).toBe(outputs.has(n));
    if (outputs.has(n)) expect(label[2]).toMatch(/^out: /);
  });
  expect(new Set(idOf.values()).size).toBe(g.nodes.length);

  // The edges into each node are its operands, in order.
  const into = new Map<string, [string, number][]>();
  for (const l of edgeLines) {
    const m = EDGE_STMT.exec(l);
    if (m === null) throw new Error(`not an edge: ${l}`);
    into.set(m[2] as string, [...(into.get(m[2] as string) ?? []), [m[1] as string, m[3] === undefined ? 0 : Number(m[3])]]);
  }
  for (const n of g.nodes) {
    const edges = (into.get(idOf.get(n) as string) ?? []).sort((a, b) => a[1] - b[1]);
    expect(edges.map(([from]) => from)).toEqual(n.inputs.map((x) => idOf.get(x)));
    expect(edges.map(([, i]) => i)).toEqual(n.inputs.map((_, i) => i));
  }
}

describe("toDot", () => {
  it("has one node statement per IR node and one edge per operand, with inputs, params and outputs set apart", () => {
    checkDot(everyPrimitiveGraph());
    fc.assert(fc.property(randomGraphs, checkDot), { numRuns: 60 });
  });

  it("escapes quotes and backslashes in labels", () => {
    const x = gg.input('a"b\\c', [2]);
    const dot = toDot(graphOf({ y: gg.neg(x).node }));
    expect(dot).toContain('label="input a\\"b\\\\c\\nf32[2]"');
    expect(bracesBalance(dot)).toBe(true);
  });
});
