import { hostMathSource } from "./emit-ops.js";
const SPIN_MS = 0.05;
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
async function createWorkerPool(size) {
  if (size < 1 || typeof SharedArrayBuffer === "undefined") return void 0;
  let wt;
  try {
    wt = await import("node:worker_threads");
  } catch {
    return void 0;
  }
  const slots = [];
  for (let w = 0; w < size; w++) {
    const ctrl = new Int32Array(new SharedArrayBuffer(8 * 4));
    const { port1, port2 } = new wt.MessageChannel();
    const worker = new wt.Worker(WORKER_SOURCE, { eval: true, workerData: { ctrl: ctrl.buffer, port: port2 }, transferList: [port2] });
    worker.unref();
    port1.unref();
    slots.push({ ctrl, port: port1, expected: 0 });
  }
  const signal = (s, cmd, id, task) => {
    Atomics.store(s.ctrl, CMD, cmd);
    Atomics.store(s.ctrl, ID, id);
    Atomics.store(s.ctrl, TASK, task);
    s.expected = Atomics.load(s.ctrl, DONE) + 1;
    Atomics.add(s.ctrl, GEN, 1);
    Atomics.notify(s.ctrl, GEN);
  };
  const wait = () => {
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
    start: (id, index) => slots.forEach((s, w) => signal(s, RUN, id, index[w])),
    wait
  };
}
export {
  createWorkerPool
};
