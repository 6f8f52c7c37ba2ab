import { webgpu } from "./backends/webgpu/index.js";
import { js } from "./backends/js/index.js";
import * as gg from "./src/index.js";
import { graphOf } from "./ir/graph.js";
import { Tensor } from "./ir/tensor.js";
process.env.VK_ICD_FILENAMES ??= "/usr/lib/chromium/vk_swiftshader_icd.json";
const be = await webgpu();
const ulp = (v: number): number => { const f = Math.abs(v); if (f < 2 ** -126) return 2 ** -149; const e = Math.floor(Math.log2(f)); return 2 ** (e - 23); };
const N = 1 << 16;
async function check(name: string, f: (x: gg.Expr, y: gg.Expr) => gg.Expr, gx: () => number, gy: () => number = () => 1) {
  const x = gg.input("x", [N]); const y = gg.input("y", [N]);
  const graph = graphOf({ o: f(x, y).node, _y: gg.neg(y).node });
  const xs = new Float32Array(N).map(gx); const ys = new Float32Array(N).map(gy);
  const feeds = new Map([["x", new Tensor("float32", [N], xs)], ["y", new Tensor("float32", [N], ys)]]);
  const got = (await (await be.compile(graph)).run(feeds))["o"]!.data;
  const want = (await (await js().compile(graph)).run(feeds))["o"]!.data;
  let max = 0, at = 0, exact = 0;
  for (let i = 0; i < N; i++) { const g = got[i]!, w = want[i]!; if (Object.is(g, w) || (g !== g && w !== w)) { exact++; continue; } if (Math.abs(w) < 2 ** -126 && Math.abs(g) <= 2 ** -126) continue; const e = Math.abs(g - w) / ulp(w); if (!(e <= max)) { max = e; at = i; } }
  console.log(name.padEnd(28), "max ulp", max.toFixed(2), "at x", xs[at], "y", ys[at], "got", got[at], "want", want[at], "exact", (exact / N).toFixed(3));
}
const U = (lo: number, hi: number) => () => lo + (hi - lo) * Math.random();
const LU = (lo: number, hi: number) => () => Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * Math.random());
await check("exp [-10,10]", (x) => gg.exp(x), U(-10, 10));
await check("exp [-104,89]", (x) => gg.exp(x), U(-104, 89));
await check("log [0.5,2]", (x) => gg.log(x), U(0.5, 2));
await check("log [1e-38,1e38]", (x) => gg.log(x), LU(1e-38, 3e38));
await check("log sub", (x) => gg.log(x), LU(1e-45, 1e-38));
await check("tanh [-1,1]", (x) => gg.tanh(x), U(-1, 1));
await check("tanh [-1e-3,1e-3]", (x) => gg.tanh(x), U(-1e-3, 1e-3));
await check("tanh [-10,10]", (x) => gg.tanh(x), U(-10, 10));
await check("sqrt", (x) => gg.sqrt(x), LU(1e-45, 3e38));
await check("div", (x, y) => gg.div(x, y), U(-100, 100), U(-3, 3));
await check("pow [0,3]^[-3,3]", (x, y) => gg.pow(x, y), U(0, 3), U(-3, 3));
await check("pow [0,30]^[-20,20]", (x, y) => gg.pow(x, y), U(0, 30), U(-20, 20));
await check("pow 0.999^[0,1e4]", (x, y) => gg.pow(x, y), U(0.99, 0.9999), U(0, 10000));
await check("pow [-3,3]^int", (x, y) => gg.pow(x, y), U(-3, 3), () => Math.round(U(-20, 20)()));
await check("pow tiny", (x, y) => gg.pow(x, y), LU(1e-44, 1e-10), U(-3, 3));
{
  const n = gg.random.normal(gg.random.key(77), [N]);
  const graph = graphOf({ o: n.node });
  const got = (await (await be.compile(graph)).run(new Map()))["o"]!.data;
  const want = (await (await js().compile(graph)).run(new Map()))["o"]!.data;
  let max = 0, at = 0; for (let i = 0; i < N; i++) { const e = Math.abs(got[i]! - want[i]!) / ulp(want[i]!); if (e > max) { max = e; at = i; } }
  console.log("normal max ulp", max, want[at], got[at]);
}
