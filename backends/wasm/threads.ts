import { hostMathSource } from "./emit-ops.js";

/**
 * Worker threads for the WASM backend, in Node (worker_threads) and in browsers (Web Workers,
 * where the page is cross-origin isolated, so that memory can be shared): each worker
 * instantiates the same compiled module over the same shared memory and runs the parts of split
 * kernels it is handed. Dispatch is through Atomics on a small control block per worker (no
 * message per task): the calling thread writes the task, bumps a generation counter and
 * notifies; the worker runs the export and bumps its done counter. Node workers are unref'd, so
 * they never keep a process alive.
 *
 * Both sides spin on the counters for up to SPIN_MS before sleeping in Atomics.wait: a train step
 * hands out parts every fraction of a millisecond, and waking a sleeping thread (a futex wake,
 * then the scheduler) costs tens to hundreds of microseconds on a virtual machine, more than the
 * parts themselves. Spinning is short and bounded: an idle pool sleeps, and on a machine whose
 * cores are shared with other work a spinning thread does not take much from the one computing.
 * A browser's main thread may not sleep in Atomics.wait (it throws): there the calling thread
 * only spins, while the workers compute their parts of the same kernel.
 *
 * Compiled modules reach the workers as messages. A Node worker is told to load by a command and
 * reads the message synchronously (receiveMessageOnPort). A Web Worker can read messages only
 * from its event loop: the calling thread posts the module, bumps a mail counter and notifies;
 * the worker, between tasks, sees the counter ahead of the messages it has read, returns to its
 * event loop, instantiates the module and answers with a message of its own.
 */

/** How long a thread spins on a counter before it sleeps, in milliseconds. */
const SPIN_MS = 0.05;
/** How long a sleeping Web Worker waits before looking at its mail counter again (a notify can come just before it sleeps). */
const MAIL_CHECK_MS = 20;

export interface WorkerPool {
  /** Number of worker threads (the calling thread is one more). */
  readonly size: number;
  /** Makes a compiled module over a shared memory (instance id `id`, with its task export names) runnable on every worker. */
  load(id: number, module: WebAssembly.Module, memory: WebAssembly.Memory, names: readonly string[]): Promise<void>;
  /** Starts task `names[index[w]]` of instance `id` on each worker w. */
  start(id: number, index: readonly number[]): void;
  /** Waits until every started task is done; throws if one failed. */
  wait(): void;
}

/** The control block, in int32 words. */
const GEN = 0;
const CMD = 1;
const ID = 2;
const TASK = 3;
const DONE = 4;
const FAILED = 5;
const MAIL = 6;
const CTRL_WORDS = 8;
/** Commands. */
const LOAD = 1;
const RUN = 2;

/** A worker's imports (host math; random kernels are never split) and its loaded instances. */
const WORKER_PRELUDE = `
const math = { ...${hostMathSource()},
  random: () => { throw new Error("random kernels run on the calling thread"); } };
const instances = new Map();
const instantiate = (msg) => instances.set(msg.id, { exports: new WebAssembly.Instance(msg.module, { env: { memory: msg.memory }, m: math }).exports, names: msg.names });
let seen = 0;`;

/** Spins, then sleeps, until the generation counter moves (or `also` holds); `sleep` is Atomics.wait's extra arguments. */
const AWAIT_COMMAND = (also: string, timeout: string): string => `
  const until = performance.now() + ${SPIN_MS};
  for (let spins = 1; Atomics.load(ctrl, ${GEN}) === seen && !(${also}); spins++) {
    if ((spins & 1023) === 0 && performance.now() > until) Atomics.wait(ctrl, ${GEN}, seen${timeout});
  }`;

/** Runs the command just seen (`load` is the LOAD handler) and counts it done. */
const RUN_COMMAND = (load: string): string => `
  seen = Atomics.load(ctrl, ${GEN});
  try {
    if (ctrl[${CMD}] === ${LOAD}) {
      ${load}
    } else if (ctrl[${CMD}] === ${RUN}) {
      const inst = instances.get(ctrl[${ID}]);
      inst.exports[inst.names[ctrl[${TASK}]]]();
    }
  } catch (e) {
    Atomics.store(ctrl, ${FAILED}, 1);
  }
  Atomics.add(ctrl, ${DONE}, 1);
  Atomics.notify(ctrl, ${DONE});`;

const NODE_WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require("node:worker_threads");
const ctrl = new Int32Array(workerData.ctrl);
const port = workerData.port;
${WORKER_PRELUDE}
for (;;) {
  ${AWAIT_COMMAND("false", "")}
  ${RUN_COMMAND("instantiate(receiveMessageOnPort(port).message);")}
}
`;

/** A Web Worker: its first message is its control block, the others modules to load. */
const WEB_WORKER_SOURCE = `
${WORKER_PRELUDE}
let ctrl;
let read = 0;
const mail = () => Atomics.load(ctrl, ${MAIL}) !== read;
const serve = () => {
  for (;;) {
    ${AWAIT_COMMAND("mail()", `, ${MAIL_CHECK_MS}`)}
    if (Atomics.load(ctrl, ${GEN}) === seen) return;
    ${RUN_COMMAND("")}
  }
};
onmessage = (e) => {
  const msg = e.data;
  if (msg.ctrl !== undefined) {
    ctrl = new Int32Array(msg.ctrl);
    postMessage({});
  } else {
    read++;
    try {
      instantiate(msg);
      postMessage({});
    } catch (err) {
      postMessage({ error: String(err) });
    }
  }
  serve();
};
`;

interface LoadMessage {
  readonly id: number;
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly names: readonly string[];
}

/** The pool's side of a control block. */
interface Slot {
  readonly ctrl: Int32Array;
  expected: number;
}

/** Started workers: their control blocks, and how a module reaches them. */
interface Workers {
  readonly ctrls: readonly Int32Array[];
  /** Hands the module to every worker; `signal` and `wait` are the pool's. Resolves once all have it. */
  readonly load: (message: LoadMessage, signal: (w: number, cmd: number) => void, wait: () => void) => Promise<void>;
}

/** A pool of `size` workers; undefined where worker threads or shared memory are unavailable. */
export async function createWorkerPool(size: number): Promise<WorkerPool | undefined> {
  if (size < 1 || typeof SharedArrayBuffer === "undefined") return undefined;
  const workers = (await nodeWorkers(size)) ?? (await webWorkers(size));
  if (workers === undefined) return undefined;
  const slots: Slot[] = workers.ctrls.map((ctrl) => ({ ctrl, expected: 0 }));
  const canSleep = maySleep();

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
        if (canSleep && (spins & 1023) === 0 && performance.now() > until) Atomics.wait(s.ctrl, DONE, done, 50);
      }
      if (Atomics.load(s.ctrl, FAILED) !== 0) {
        Atomics.store(s.ctrl, FAILED, 0);
        throw new Error("wasm: a worker thread failed running its part of a kernel");
      }
    }
  };
  // Loads one at a time: a Web Worker answers its messages in order, and a Node load is a command.
  let loading = Promise.resolve();
  return {
    size,
    load: (id, module, memory, names) => {
      const load = loading.then(() => workers.load({ id, module, memory, names }, (w, cmd) => signal(slots[w] as Slot, cmd, id, 0), wait));
      loading = load.catch(() => undefined);
      return load;
    },
    start: (id, index) => slots.forEach((s, w) => signal(s, RUN, id, index[w] as number)),
    wait,
  };
}

/** Whether this thread may sleep in Atomics.wait (a browser's main thread may not). */
function maySleep(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** Node's worker_threads: told to load by a command, a worker reads the module from its port. */
async function nodeWorkers(size: number): Promise<Workers | undefined> {
  let wt: typeof import("node:worker_threads");
  try {
    wt = await import("node:worker_threads");
  } catch {
    return undefined;
  }
  // A browser bundle may stand an empty module in for node:worker_threads.
  if (typeof wt.Worker !== "function") return undefined;
  const ports = Array.from({ length: size }, () => {
    const ctrl = new Int32Array(new SharedArrayBuffer(CTRL_WORDS * 4));
    const { port1, port2 } = new wt.MessageChannel();
    const worker = new wt.Worker(NODE_WORKER_SOURCE, { eval: true, workerData: { ctrl: ctrl.buffer, port: port2 }, transferList: [port2] });
    worker.unref();
    port1.unref();
    return { ctrl, port: port1 };
  });
  return {
    ctrls: ports.map((p) => p.ctrl),
    load: async (message, signal, wait) => {
      ports.forEach((p, w) => {
        p.port.postMessage(message);
        signal(w, LOAD);
      });
      wait();
    },
  };
}

/**
 * Web Workers from a Blob URL. A worker starts only once the creating thread returns to its event
 * loop: the pool is ready when every worker has answered its first message.
 */
async function webWorkers(size: number): Promise<Workers | undefined> {
  if (typeof Worker !== "function" || typeof Blob !== "function" || typeof URL.createObjectURL !== "function") return undefined;
  const url = URL.createObjectURL(new Blob([WEB_WORKER_SOURCE], { type: "text/javascript" }));
  try {
    const started = await Promise.all(
      Array.from({ length: size }, async () => {
        const ctrl = new Int32Array(new SharedArrayBuffer(CTRL_WORDS * 4));
        const worker = new Worker(url);
        const answer = (): Promise<void> =>
          new Promise((resolve, reject) => {
            worker.onmessage = (e: MessageEvent<{ error?: string }>) => (e.data.error === undefined ? resolve() : reject(new Error(`wasm: a worker thread could not instantiate a module: ${e.data.error}`)));
            worker.onerror = (e) => reject(new Error(`wasm: a worker thread failed: ${e.message}`));
          });
        const ready = answer();
        worker.postMessage({ ctrl: ctrl.buffer });
        await ready;
        const load = (message: LoadMessage): Promise<void> => {
          const loaded = answer();
          worker.postMessage(message);
          Atomics.add(ctrl, MAIL, 1);
          Atomics.notify(ctrl, GEN);
          return loaded;
        };
        return { ctrl, load };
      }),
    );
    return { ctrls: started.map((s) => s.ctrl), load: async (message) => void (await Promise.all(started.map((s) => s.load(message)))) };
  } finally {
    URL.revokeObjectURL(url);
  }
}
