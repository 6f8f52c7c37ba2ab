import { webgpu } from "./backends/webgpu/index.js";
import { js } from "./backends/js/index.js";
import * as gg from "./src/ops.js";
import * as random from "./src/random.js";
import { graphOf } from "./ir/graph.js";
import { tensorFrom } from "./ir/tensor.js";
process.env.VK_ICD_FILENAMES ??= "/usr/lib/chromium/vk_swiftshader_icd.json";
const be = await webgpu();
console.log(be.description);
const x = gg.input("x", [3, 4]);
const idx = gg.input("i", [5], "int32");
const outs: Record<string, gg.Expr> = {
  e: gg.exp(x), t: gg.tanh(x), l: gg.log(gg.abs(x)), mx: gg.maximum(x, 0.5), s: gg.sum(x, 1), mm: gg.matmul(x, gg.transpose(x)),
  g: gg.gather(x, idx), sa: gg.scatterAdd(gg.gather(x, idx), idx, 3), io: gg.iota([3, 4], 1, "float32"),
  u: random.uniform(random.key(3), [5]), n: random.normal(random.key(3), [5]), big: gg.sum(gg.reshape(gg.concat([x,x,x,x,x,x,x,x,x,x], 0), [120]), 0),
};
const graph = graphOf(Object.fromEntries(Object.entries(outs).map(([k, e]) => [k, e.node])));
const vals = Array.from({ length: 12 }, (_, i) => Math.sin(i + 1) * 3);
const feeds = new Map([["x", tensorFrom(Float64Array.from(vals), "float32", [3, 4])], ["i", tensorFrom(Int32Array.from([2, 0, -3, 7, 2]), "int32", [5])]]);
const exe = await be.compile(graph);
const got = await exe.run(feeds);
const want = await (await js().compile(graph)).run(feeds);
for (const k of Object.keys(outs)) console.log(k, Array.from(got[k]!.data).slice(0, 6).join(" "), "|", Array.from(want[k]!.data).slice(0, 6).join(" "));
console.log(exe.stats());
