import { DeviceState } from "./backends/webgpu/device.js";
import { acquireDevice } from "./backends/webgpu/adapter.js";
process.env.VK_ICD_FILENAMES ??= "/usr/lib/chromium/vk_swiftshader_icd.json";
const ctx = await acquireDevice();
const st = new DeviceState(ctx);
const dev = ctx.device;
const arena = dev.createBuffer({ size: 1 << 16, usage: 0x80 | 0x8 });
const bg = dev.createBindGroup({ layout: st.layout, entries: [{ binding: 0, resource: { buffer: arena } }] });
async function time(label: string, code: string, groups: [number, number, number]) {
  const t = performance.now();
  const p = await st.pipeline({ label, code, groups });
  const t1 = performance.now();
  const enc = dev.createCommandEncoder(); const pass = enc.beginComputePass(); pass.setBindGroup(0, bg); pass.setPipeline(p); pass.dispatchWorkgroups(...groups); pass.end(); dev.queue.submit([enc.finish()]);
  await dev.queue.onSubmittedWorkDone();
  console.log(label.padEnd(30), "pipeline", (t1 - t).toFixed(0), "first dispatch", (performance.now() - t1).toFixed(0));
}
const mm = (tile: number, priv: boolean, unroll: boolean, salt: number) => `@group(0) @binding(0) var<storage, read_write> m: array<u32>;
var<workgroup> ta: array<f32, ${tile * tile}>; var<workgroup> tb: array<f32, ${tile * tile}>;
${priv ? `var<private> AOFF: array<u32, 2> = array<u32, 2>(0u, ${salt}u);` : ""}
@compute @workgroup_size(${tile}, ${tile})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let row = wg.y * ${tile}u + lid.y; let col = wg.x * ${tile}u + lid.x;
  let ao = ${priv ? "AOFF[wg.z]" : `${salt}u`}; let bo = 300u;
  var acc: f32 = 0.0;
  for (var s = 0u; s < 21u; s = s + ${tile}u) {
    let ka = s + lid.x;
    if (row < 13u && ka < 21u) { ta[lid.y * ${tile}u + lid.x] = bitcast<f32>(m[ao + row * 21u + ka]); } else { ta[lid.y * ${tile}u + lid.x] = 0.0; }
    let kb = s + lid.y;
    if (kb < 21u && col < 19u) { tb[lid.y * ${tile}u + lid.x] = bitcast<f32>(m[bo + kb * 19u + col]); } else { tb[lid.y * ${tile}u + lid.x] = 0.0; }
    workgroupBarrier();
    ${unroll ? "let lim = min(" + tile + "u, arrayLength(&m)); for (var q = 0u; q < lim; q = q + 1u) { acc = acc + ta[lid.y * " + tile + "u + q] * tb[q * " + tile + "u + lid.x]; }" : "for (var q = 0u; q < " + tile + "u; q = q + 1u) { acc = acc + ta[lid.y * " + tile + "u + q] * tb[q * " + tile + "u + lid.x]; }"}
    workgroupBarrier();
  }
  if (row < 13u && col < 19u) { m[1000u + wg.z * 247u + row * 19u + col] = bitcast<u32>(acc); }
}`;
await time("warm", mm(16, false, false, 1), [2, 1, 2]);
await time("tile16 private", mm(16, true, false, 2), [2, 1, 2]);
await time("tile16 no private", mm(16, false, false, 3), [2, 1, 2]);
await time("tile8", mm(8, false, false, 4), [3, 2, 2]);
await time("tile16 runtime bound", mm(16, false, true, 5), [2, 1, 2]);
await time("tile8 runtime bound", mm(8, false, true, 6), [3, 2, 2]);
await time("tile16 again", mm(16, false, false, 7), [2, 1, 2]);
const map = (salt: number) => `@group(0) @binding(0) var<storage, read_write> m: array<u32>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let gid = wg.x * 64u + li; if (gid >= ${salt}u) { return; }
  m[gid + 100u] = bitcast<u32>(bitcast<f32>(m[gid]) * 2.0);
}`;
await time("map", map(50), [1, 1, 1]);
await time("map2", map(51), [1, 1, 1]);
