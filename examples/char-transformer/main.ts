import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import * as gg from "../../src/index.js";
import { type CharTransformerConfig, FULL, TINY } from "./config.js";
import { loadBrownChars } from "./data.js";
import { charTransformerParams } from "./model.js";
import { exportCharTransformer, inferenceGraph } from "./export.js";
import { CHAR_USAGE, type CharCliOptions, parseCharArgs } from "./options.js";
import type { RunRecord } from "./record.js";
import { sampleText } from "./sample.js";
import { trainCharTransformer } from "./train.js";

/**
 * `npm run char-transformer`: trains the character-level Transformer on the Brown corpus with the
 * full configuration (`--quick`: the tiny one), prints the loss and the validation bits per
 * character as it goes, then a sample of generated text; optionally writes the model as ONNX and
 * the figures as JSON.
 */

/** The configuration with `steps` steps: the warm-up keeps its share of the schedule. */
export function withSteps(c: CharTransformerConfig, steps: number): CharTransformerConfig {
  const warmupSteps = Math.min(steps - 1, Math.round((c.warmupSteps * steps) / c.steps));
  return { ...c, steps, warmupSteps: Math.max(0, warmupSteps), evalEvery: Math.min(c.evalEvery, steps) };
}

export function configOf(o: Pick<CharCliOptions, "quick" | "steps" | "seed">): CharTransformerConfig {
  const base = o.quick ? TINY : FULL;
  const c = o.steps === undefined ? base : withSteps(base, o.steps);
  return o.seed === undefined ? c : { ...c, seed: o.seed };
}

export function describeConfig(c: CharTransformerConfig, vocabSize: number): string {
  return (
    `context ${c.contextLength}, ${c.layers} layers, ${c.heads} heads, width ${c.dim}, MLP ${c.mlpDim}, ${c.positions} positions, token embeddings N(0, ${c.embedStd}²), dropout ${c.dropout}, vocabulary ${vocabSize}; ` +
    `batch ${c.batchSize}, ${c.steps} steps, AdamW (β ${c.b1}/${c.b2}, weight decay ${c.weightDecay}) at ${c.peakLr} after ${c.warmupSteps} warm-up steps, cosine to ${c.endLr}, clip ${c.clipNorm}; seed ${c.seed}`
  );
}

/** The per-step curve is stored to 4 decimals (a 10,000th of a bit). */
const roundTo4 = (v: number): number => Math.round(v * 1e4) / 1e4;

export async function main(argv: readonly string[], log: (line: string) => void = console.log): Promise<RunRecord> {
  const o = parseCharArgs(argv);
  const c = configOf(o);
  const backend = o.backend === "js" ? gg.js() : gg.wasm(o.threads === undefined ? {} : { threads: o.threads });
  const loadStart = loadavg()[0] as number;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const data = loadBrownChars();
  log(`Brown corpus as characters: ${data.train.length.toLocaleString("en")} / ${data.valid.length.toLocaleString("en")} / ${data.test.length.toLocaleString("en")} train / validation / test characters, ${data.vocab.chars.length} distinct`);
  log(`Model: ${describeConfig(c, data.vocab.chars.length)}`);
  log(`Backend ${backend.name}${o.threads === undefined ? "" : `, ${o.threads} threads`}; load average ${loadStart.toFixed(1)} on ${cpus().length} cores`);
  if (o.summary) {
    const { logits } = inferenceGraph(charTransformerParams(data.vocab.chars.length, c), c.contextLength);
    log(String(await gg.nn.summary({ logits }, { dims: { batch: c.batchSize } })));
  }
  const r = await trainCharTransformer({ config: c, data, backend, log });
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const loadEnd = loadavg()[0] as number;
  const last = r.validation[r.validation.length - 1];
  log(`Validation: ${last?.bits.toFixed(3)} bits/char after ${r.steps.length} steps (${r.parameterCount.toLocaleString("en")} parameters)`);
  log(`Time: ${(seconds / 60).toFixed(1)} min (${r.trainSeconds.toFixed(0)} s in training steps, ${((r.steps.length * c.batchSize * c.contextLength) / r.trainSeconds).toFixed(0)} chars/s), load average ${loadStart.toFixed(1)} → ${loadEnd.toFixed(1)}`);
  let sample: RunRecord["sample"] = null;
  if (o.sample > 0) {
    const text = await sampleText(r.params, r.state.params, data.vocab, c.contextLength, { prompt: o.prompt, length: o.sample, temperature: o.temperature, seed: c.seed, backend });
    sample = { prompt: o.prompt, temperature: o.temperature, seed: c.seed, text };
    log(`Sample (temperature ${o.temperature}, key ${c.seed}):`);
    log(`${o.prompt}${text}`);
  }
  if (o.onnx !== undefined) {
    writeFileSync(o.onnx, exportCharTransformer(r.params, r.state.params, c.contextLength));
    log(`ONNX model written: ${o.onnx} (input 'ids' int32 [batch, ${c.contextLength}], output 'logits' float32 [batch, ${c.contextLength}, ${data.vocab.chars.length}])`);
  }
  const record: RunRecord = {
    date: new Date().toISOString().slice(0, 10),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? "unknown", node: process.version, backend: backend.name, threads: o.threads ?? null },
    load: { start: loadStart, end: loadEnd },
    config: { ...c },
    vocabSize: data.vocab.chars.length,
    parameterCount: r.parameterCount,
    trainBits: r.steps.map((s) => roundTo4(s.bits)),
    validation: r.validation.map((v) => ({ ...v })),
    seconds,
    trainSeconds: r.trainSeconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    sample,
  };
  if (o.json !== undefined) {
    writeFileSync(o.json, `${JSON.stringify(record)}\n`);
    log(`Figures written: ${o.json}`);
  }
  return record;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) console.log(CHAR_USAGE);
  else await main(argv);
}
