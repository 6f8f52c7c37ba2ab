import { DTYPE_SHORT } from "./dtype.js";
import { toposort } from "./node.js";
import { formatShape, shapesEqual } from "./shape.js";
const RESERVED = /* @__PURE__ */ new Set(["lambda", "let", "in"]);
const PLAIN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PLAIN_STRING = /^[A-Za-z0-9_?.:-]+$/;
const MAX_LISTED_VALUES = 6;
function nodesOf(g) {
  return toposort([...g.nodes, ...Object.values(g.outputs)]);
}
function shortName(i) {
  let s = "";
  let n = i + 1;
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(97 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}
function spell(name) {
  return PLAIN.test(name) && !RESERVED.has(name) ? name : JSON.stringify(name);
}
function variableNames(nodes) {
  const names = /* @__PURE__ */ new Map();
  const taken = new Set(RESERVED);
  for (const n of nodes) {
    if (n.op !== "input") continue;
    const base = spell(n.attrs.name);
    let name = base;
    for (let k = 2; taken.has(name); k++) name = `${base}_${k}`;
    taken.add(name);
    names.set(n, name);
  }
  let next = 0;
  for (const n of nodes) {
    if (n.op === "input") continue;
    let name = shortName(next++);
    while (taken.has(name)) name = shortName(next++);
    taken.add(name);
    names.set(n, name);
  }
  return names;
}
function formatType(n) {
  return `${DTYPE_SHORT[n.dtype]}${formatShape(n.shape)}`;
}
function formatNumber(v) {
  return Object.is(v, -0) ? "-0" : String(v);
}
function formatValue(v) {
  if (typeof v === "number") return formatNumber(v);
  if (typeof v === "string") return PLAIN_STRING.test(v) ? v : JSON.stringify(v);
  if (Array.isArray(v)) {
    const shown = v.slice(0, MAX_LISTED_VALUES).map(formatValue);
    if (v.length > MAX_LISTED_VALUES) shown.push(`\u2026+${v.length - MAX_LISTED_VALUES}`);
    return `[${shown.join(",")}]`;
  }
  if (typeof v === "object" && v !== null) {
    const o = v;
    return `{${Object.keys(o).sort().map((k) => `${k}=${formatValue(o[k])}`).join(" ")}}`;
  }
  return String(v);
}
function formatAttrs(n) {
  const attrs = n.attrs;
  const shown = Object.keys(attrs).sort().filter((k) => {
    const v = attrs[k];
    if (n.op === "input" && (k === "name" || k === "kind")) return false;
    if (k === "dtype") return v !== n.dtype;
    if (k === "shape") return !(Array.isArray(v) && shapesEqual(v, n.shape));
    return true;
  });
  return shown.length === 0 ? "" : `{${shown.map((k) => `${k}=${formatValue(attrs[k])}`).join(" ")}}`;
}
function printGraph(g) {
  const nodes = nodesOf(g);
  const names = variableNames(nodes);
  const nameOf = (n) => names.get(n);
  const binder = (n) => `${nameOf(n)}:${formatType(n)}`;
  const sources = nodes.filter((n) => n.op === "input");
  const inputs = sources.filter((n) => n.attrs.kind === "input").map(binder);
  const params = sources.filter((n) => n.attrs.kind === "param").map(binder);
  const header = ["{ lambda", ...inputs, ...params.length > 0 ? [";", ...params] : [], "."].join(" ");
  const body = nodes.filter((n) => n.op !== "input").map((n) => `    ${binder(n)} = ${[`${n.op}${formatAttrs(n)}`, ...n.inputs.map(nameOf)].join(" ")}`);
  const outs = Object.entries(g.outputs).map(([k, n]) => `${spell(k)}=${nameOf(n)}`);
  return [header, "  let", ...body, `  in (${outs.join(", ")}) }`].join("\n");
}
function dotString(lines) {
  return `"${lines.map((l) => l.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, " ")).join("\\n")}"`;
}
function toDot(g) {
  const nodes = nodesOf(g);
  const ids = new Map(nodes.map((n, i) => [n, `n${i}`]));
  const idOf = (n) => ids.get(n);
  const outputNames = /* @__PURE__ */ new Map();
  for (const [k, n] of Object.entries(g.outputs)) outputNames.set(n, [...outputNames.get(n) ?? [], k]);
  const lines = ["digraph graphgrad {", '  node [shape=box fontname="monospace" fontsize=10];'];
  for (const n of nodes) {
    const label = n.op === "input" ? [`${n.attrs.kind} ${n.attrs.name}`, formatType(n)] : [`${n.op}${formatAttrs(n)}`, formatType(n)];
    const style = [];
    if (n.op === "input") style.push("shape=invhouse", "style=filled", `fillcolor="${n.attrs.kind === "param" ? "#fde2b3" : "#cfe2ff"}"`);
    else if (n.inputs.length === 0) style.push("style=filled", 'fillcolor="#eeeeee"');
    const outs = outputNames.get(n);
    if (outs !== void 0) {
      label.push(`out: ${outs.join(", ")}`);
      style.push("peripheries=2", "penwidth=2");
    }
    lines.push(`  ${idOf(n)} [label=${dotString(label)}${style.map((s) => ` ${s}`).join("")}];`);
  }
  for (const n of nodes) {
    n.inputs.forEach((x, i) => {
      lines.push(`  ${idOf(x)} -> ${idOf(n)}${n.inputs.length > 1 ? ` [label="${i}"]` : ""};`);
    });
  }
  lines.push("}");
  return lines.join("\n");
}
export {
  formatAttrs,
  formatType,
  printGraph,
  shortName,
  toDot
};
