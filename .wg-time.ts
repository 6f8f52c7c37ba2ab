import { webgpu } from "./backends/webgpu/index.js";
import * as gg from "./src/ops.js";
import { graphOf } from "./ir/graph.js";
import { Tensor } from "./ir/tensor.js";
process.env.VK_ICD_FILENAMES ??= "/usr/lib/chromium/vk_swiftshader_icd.json";
const be = await webgpu();
for (const [m, k, n] of [[5, 7, 9], [13, 21, 19], [6, 8, 10]]) {
  const a = gg.input("a", [2, m, k]); const b = gg.input("b", [k, n]);
  const graph = graphOf({ c: gg.matmul(a, b).node });
  let t = performance.now();
  const exe = await be.compile(graph);
  const feeds = new Map([["a", new Tensor("float32", [2, m, k], new Float32Array(2 * m * k).fill(1))], ["b", new Tensor("float32", [k, n], new Float32Array(k * n).fill(1))]]);
  await exe.run(feeds); const t1 = performance.now() - t; t = performance.now();
  await exe.run(feeds); console.log(m, k, n, "first run ms", t1.toFixed(0), "second", (performance.now() - t).toFixed(0));
}
