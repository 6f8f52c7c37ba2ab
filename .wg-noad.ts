import { acquireDevice } from "./backends/webgpu/adapter.js";
process.env.VK_ICD_FILENAMES ??= "/usr/lib/chromium/vk_swiftshader_icd.json";
try { await acquireDevice({ dawnFlags: ["adapter=no such adapter"] }); console.log("got one"); } catch (e) { console.log(String(e)); }
