import { DeviceState } from "./backends/webgpu/device.js";
import { acquireDevice } from "./backends/webgpu/adapter.js";
import { matmulDispatch } from "./backends/webgpu/matmul.js";
process.env.VK_ICD_FILENAMES ??= "/usr/lib/chromium/vk_swiftshader_icd.json";
const ctx = await acquireDevice();
const st = new DeviceState(ctx);
const dev = ctx.device;
const arena = dev.createBuffer({ size: 1 << 16, usage: 0x80 | 0x8 });
const bg = dev.createBindGroup({ layout: st.layout, entries: [{ binding: 0, resource: { buffer: arena } }] });
async function time(label: string, code: string, groups: readonly [number, number, number]) {
  const t = performance.now();
  const p = await st.pipeline({ label, code, groups });
  const t1 = performance.now();
  const enc = dev.createCommandEncoder(); const pass = enc.beginComputePass(); pass.setBindGroup(0, bg); pass.setPipeline(p); pass.dispatchWorkgroups(...groups); pass.end(); dev.queue.submit([enc.finish()]);
  await dev.queue.onSubmittedWorkDone();
  console.log(label.padEnd(30), "pipeline", (t1 - t).toFixed(0), "first dispatch", (performance.now() - t1).toFixed(0));
}
let salt = 0;
const d = (m: number, T: number, R: number) => matmulDispatch({ kind: "matmul", a: 0, b: 1, out: 2, m, n: 19, k: 21, aOffsets: [0], bOffsets: [0], transA: false, transB: false, dtype: "float32" }, (i) => i * 1000, T, R)!;
await time("warm", d(14, 8, 1).code, [3, 2, 1]);
for (const [T, R] of [[8, 1], [16, 1], [8, 2], [16, 2], [16, 4], [32, 4]]) { const x = d(13, T, R); await time(`T=${T} R=${R}`, x.code, x.groups); }
