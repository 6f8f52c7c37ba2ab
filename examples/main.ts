import { relative, sep } from "node:path";
import { parseArgs } from "node:util";
import { runReport } from "./reporting/run.js";

/**
 * `npm start`: runs the seed programs on the WebAssembly backend — the recipes, the iris optimizer
 * comparison, the dot MLP with and without L2, a short PTB-small run on Brown, the seq2seq
 * reversal through `gg.regression`, a CNN on handwritten digits, a short run of the character-level Transformer — printing their progress, then writes `report/index.html`
 * with the tables and plots and says where it is. `npm start -- --quick` runs every demo small.
 */
const { values } = parseArgs({ args: process.argv.slice(2), strict: true, options: { quick: { type: "boolean", default: false }, out: { type: "string", default: "report" } } });
const r = await runReport({ quick: values.quick, outDir: values.out });
console.log("");
console.log("Summary:");
for (const line of r.summary) console.log(`  ${line}`);
console.log(`  ${r.seconds.toFixed(1)} s in all`);
const shown = relative(process.cwd(), r.page);
console.log("");
console.log(`Report written: open ${shown.startsWith("..") || shown.includes(`..${sep}`) ? r.page : shown}`);
