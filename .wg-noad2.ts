import { acquireDevice } from "./backends/webgpu/adapter.js";
try { await acquireDevice(); console.log("got one"); } catch (e) { console.log(String(e)); }
