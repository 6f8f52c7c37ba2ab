import { loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import * as gg from "../../src/index.js";
import { loadBrownPtb } from "./brown.js";
import { getPtbConfig } from "./configs.js";
import { zeroState } from "./model.js";
import { parsePtbArgs, PTB_USAGE } from "./options.js";
import { ptbIterator } from "./reader.js";
import { createPtbTrainer } from "./train.js";

/**
 * What one form of the PTB model costs on the WASM backend: the train step's graph size, the
 * time to build it and to run the first step (lowering, code generation, V8's compilation), the
 * buffer arena and the process's peak RSS, and words/second after two warm-up steps.
 *
 *   npx tsx examples/ptb/measure.ts --model small --max-steps 40 [--scan] [--dtype float64] [--threads N]
 *
 * The options of `npm run ptb` (`--backend` must be wasm), `--max-steps N` the steps in all
 * (default 30, the first two not timed). Run one form per process so that the peak RSS is that
 * form's.
 */

const WARMUP_STEPS = 2;

type GraphNode = gg.Graph["nodes"][number];

/**
 * Nodes of a graph, counting the body of every scan: once per scan, however many output nodes
 * pick from it (the nodes of one scan have the same operands and the same, hash-consed, body).
 */
function countNodes(nodes: readonly GraphNode[]): number {
  const scans = new Set<string>();
  let n = nodes.length;
  for (const node of nodes) {
    if (node.op !== "scan") continue;
    const { body } = node.attrs;
    const key = `${node.inputs.map((x) => x.id).join(",")}|${body.results.map((x) => x.id).join(",")}`;
    if (scans.has(key)) continue;
    scans.add(key);
    n += countNodes(subgraphNodes(body.params, body.results));
  }
  return n;
}

/** The nodes reachable from a subgraph's results and parameters (each once). */
function subgraphNodes(params: readonly GraphNode[], results: readonly GraphNode[]): GraphNode[] {
  const seen = new Set<GraphNode>();
  const stack = [...params, ...results];
  while (stack.length > 0) {
    const n = stack.pop() as GraphNode;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...n.inputs);
  }
  return [...seen];
}

/** The WASM backend, remembering the executables it compiles (for their `stats()`). */
function recordingWasm(options: gg.WasmOptions): { readonly backend: gg.Backend; readonly executables: gg.WasmExecutable[] } {
  const inner = gg.wasm(options);
  const executables: gg.WasmExecutable[] = [];
  const isWasm = (e: gg.Executable): e is gg.WasmExecutable => "stats" in e && typeof e.stats === "function";
  return {
    executables,
    backend: {
      name: inner.name,
      compile: async (graph, hints) => {
        const exe = await inner.compile(graph, hints);
        if (isWasm(exe)) executables.push(exe);
        return exe;
      },
    },
  };
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);

async function main(argv: readonly string[]): Promise<void> {
  const options = parsePtbArgs(argv);
  if (options.help) {
    console.log(PTB_USAGE);
    return;
  }
  if (options.backend !== "wasm") throw new Error("measure: the WASM backend only (its arena statistics)");
  const config = getPtbConfig(options.model);
  const steps = options.maxSteps ?? 30;
  if (steps <= WARMUP_STEPS) throw new Error(`measure: --max-steps must exceed the ${WARMUP_STEPS} warm-up steps`);
  const data = loadBrownPtb();
  const load = loadavg()[0] ?? 0;
  const { backend, executables } = recordingWasm(options.threads === undefined ? {} : { threads: options.threads });
  const t0 = performance.now();
  const trainer = await createPtbTrainer(config, { backend, seed: options.seed, trainLength: data.train.length, scan: options.scan, dtype: options.dtype, fastTest: true });
  const built = performance.now();
  let state = await trainer.init();
  let rnn = zeroState(config, config.batchSize, trainer.dtype);
  const batches = ptbIterator(data.train, config.batchSize, config.numSteps);
  const times: number[] = [];
  let cpu = process.cpuUsage();
  for (let i = 0; i < steps; i++) {
    const batch = batches.next();
    if (batch.done === true) throw new Error("measure: the epoch ended");
    const t = performance.now();
    if (i === WARMUP_STEPS) cpu = process.cpuUsage();
    const r = await trainer.trainBatch(state, batch.value, rnn).catch((e: unknown) => {
      // The arena is allocated when the first step builds the program.
      const graph = trainer.step.compiled.graph;
      throw new Error(`measure: step ${i + 1} failed (${graph.nodes.length} nodes, ${countNodes(graph.nodes)} with scan bodies; built in ${((built - t0) / 1000).toFixed(1)} s): ${e instanceof Error ? e.message : String(e)}`);
    });
    times.push(performance.now() - t);
    state = r.state;
    rnn = r.rnn;
  }
  const used = process.cpuUsage(cpu);
  const timed = times.slice(WARMUP_STEPS);
  const seconds = timed.reduce((a, b) => a + b, 0) / 1000;
  const wps = (timed.length * config.batchSize * config.numSteps) / seconds;
  const exe = executables.find((e) => e.graph === trainer.step.compiled.graph);
  const stats = exe?.stats()[0];
  const graph = trainer.step.compiled.graph;
  const row = {
    model: options.model,
    form: options.scan ? "scan" : "unrolled",
    dtype: options.dtype,
    threads: stats?.threads,
    nodes: graph.nodes.length,
    nodesWithBodies: countNodes(graph.nodes),
    buildSeconds: (built - t0) / 1000,
    firstStepSeconds: (times[0] as number) / 1000,
    stepSeconds: seconds / timed.length,
    /** CPU seconds of the process (all threads) per timed step: less sensitive to the machine's load than the wall time. */
    stepCpuSeconds: (used.user + used.system) / 1e6 / timed.length,
    arenaMiB: stats === undefined ? NaN : stats.arenaBytes / 2 ** 20,
    kernels: stats?.kernels,
    peakRssMiB: (process.resourceUsage().maxRSS * 1024) / 2 ** 20,
    wps,
    timedSteps: timed.length,
    load: [load, loadavg()[0] ?? 0],
  };
  console.log(JSON.stringify(row));
  console.log(
    `| ${row.model} | ${row.form} | ${row.nodes} (${row.nodesWithBodies}) | ${row.buildSeconds.toFixed(1)} + ${row.firstStepSeconds.toFixed(1)} | ${mib(row.arenaMiB * 2 ** 20)} | ${mib(row.peakRssMiB * 2 ** 20)} | ${wps.toFixed(0)} (${row.timedSteps} steps) | ${row.stepSeconds.toFixed(2)} / ${row.stepCpuSeconds.toFixed(2)} | ${load.toFixed(1)} |`,
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    await main(process.argv.slice(2));
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 1;
  }
}
