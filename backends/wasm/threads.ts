import { hostMathSource } from "./emit-ops.js";

/**
 * Worker threads for the WASM backend (Node): each worker instantiates the same compiled module
 * over the same shared memory and runs the parts of split kernels it is handed. Dispatch is
 * through Atomics on a small control block per worker (no message per task): the calling thread
 * writes the task, bumps a generation counter and notifies; the worker runs the export and bumps
 * its done counter. Workers are unref'd, so they never keep a process alive.
 *
 * Both sides spin on the counters for up to SPIN_MS before sleeping in Atomics.wait: a train step
 * hands out parts every fraction of a millisecond, and waking a sleeping thread (a futex wake,
 * then the scheduler) costs tens to hundreds of microseconds on a virtual machine, more than the
 * parts themselves. Spinning is short and bounded: an idle pool sleeps, and on a machine whose
 * cores are shared with other work a spinning thread does not take much from the one computing.
 */

/** How long a thread spins on a counter before it sleeps, in milliseconds. */
const SPIN_MS = 0.05;

export interface WorkerPool {
  /** Number of worker threads (the calling thread is one more). */
  readonly size: number;
  /** Makes a compiled module over a shared memory (instance id `id`, with its task export names) runnable on every worker. */
  load(id: number, module: WebAssembly.Module, memory: WebAssembly.Memory, names: readonly string[]): void;
  /** Starts task `names[index[w]]` of instance `id` on each worker w. */
  start(id: number, index: readonly number[]): void;
  /** Waits until every started task is done; throws if one failed. */
  wait(): void;
}

const GEN = 0;
const CMD = 1;
const ID = 2;
const TASK = 3;
const DONE = 4;
const FAILED = 5;
const LOAD = 1;
const RUN = 2;

const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require("node:worker_threads");
const ctrl = new Int32Array(workerData.ctrl);
const port = workerData.port;
const math = { ...${hostMathSource()},
  random: () => { throw new Error("random kernels run on the calling thread"); } };
const instances = new Map();
let seen = 0;
for (;;) {
  const until = performance.now() + ${SPIN_MS};
  for (let spins = 1; Atomics.load(ctrl, ${GEN}) === seen; spins++) {
    if ((spins & 1023) === 0 && performance.now() > until) Atomics.wait(ctrl, ${GEN}, seen);
  }
  seen = Atomics.load(ctrl, ${GEN});
  try {
    if (ctrl[${CMD}] === ${LOAD}) {
      const msg = receiveMessageOnPort(port).message;
      const imports = { env: { memory: msg.memory }, m: math };
      instances.set(msg.id, { exports: new WebAssembly.Instance(msg.module, imports).exports, names: msg.names });
    } else if (ctrl[${CMD}] === ${RUN}) {
      const inst = instances.get(ctrl[${ID}]);
      inst.exports[inst.names[ctrl[${TASK}]]]();
    }
  } catch (e) {
    Atomics.store(ctrl, ${FAILED}, 1);
  }
  Atomics.add(ctrl, ${DONE}, 1);
  Atomics.notify(ctrl, ${DONE});
}
`;

interface Slot {
  readonly ctrl: Int32Array;
  readonly port: { postMessage(m: unknown): void };
  expected: number;
}

/** A pool of `size` workers; undefined where worker threads are unavailable. */
export async function createWorkerPool(size: number): Promise<WorkerPool | undefined> {
  if (size < 1 || typeof SharedArrayBuffer === "undefined") return undefined;
  let wt: typeof import("node:worker_threads");
  try {
    wt = await import("node:worker_threads");
  } catch {
    return undefined;
  }
  const slots: Slot[] = [];
  for (let w = 0; w < size; w++) {
    const ctrl = new Int32Array(new SharedArrayBuffer(8 * 4));
    const { port1, port2 } = new wt.MessageChannel();
    const worker = new wt.Worker(WORKER_SOURCE, { eval: true, workerData: { ctrl: ctrl.buffer, port: port2 }, transferList: [port2] });
    worker.unref();
    port1.unref();
    slots.push({ ctrl, port: port1, expected: 0 });
  }

  const signal = (s: Slot, cmd: number, id: number, task: number): void => {
    Atomics.store(s.ctrl, CMD, cmd);
    Atomics.store(s.ctrl, ID, id);
    Atomics.store(s.ctrl, TASK, task);
    s.expected = Atomics.load(s.ctrl, DONE) + 1;
    Atomics.add(s.ctrl, GEN, 1);
    Atomics.notify(s.ctrl, GEN);
  };
  const wait = (): void => {
    for (const s of slots) {
      const until = performance.now() + SPIN_MS;
      for (let spins = 1; ; spins++) {
        const done = Atomics.load(s.ctrl, DONE);
        if (done >= s.expected) break;
        if ((spins & 1023) === 0 && performance.now() > until) Atomics.wait(s.ctrl, DONE, done, 50);
      }
      if (Atomics.load(s.ctrl, FAILED) !== 0) {
        Atomics.store(s.ctrl, FAILED, 0);
        throw new Error("wasm: a worker thread failed running its part of a kernel");
      }
    }
  };
  return {
    size,
    load: (id, module, memory, names) => {
      for (const s of slots) {
        s.port.postMessage({ id, module, memory, names });
        signal(s, LOAD, id, 0);
      }
      wait();
    },
    start: (id, index) => slots.forEach((s, w) => signal(s, RUN, id, index[w] as number)),
    wait,
  };
}
