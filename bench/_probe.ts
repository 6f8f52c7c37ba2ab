import { tfjs } from "./impls/tfjs/index.js";
import { w3Data } from "./data/datasets.js";
import { FULL } from "./workloads.js";
const impl = await tfjs("cpu");
const t = await impl.W3(FULL.W3, w3Data(FULL.W3));
for (let i = 0; i < 2; i++) { const s = performance.now(); const l = await t.step(); console.log("step", i, l, (performance.now() - s) / 1000); }
process.exit(0);
