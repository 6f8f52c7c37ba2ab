/**
 * A child process for the crash test: saves checkpoints of about 8 MB to the path given, step 1,
 * 2, 3, ..., each parameter element equal to the step, printing `saved k` after each, until killed.
 * With `stall`, the second save stops half way through writing its temporary file (printing
 * `partial 2`) and waits to be killed there.
 */
import { nodeFileSystem, type FileSystem } from "../../src/io/atomic-write.js";
import { save } from "../../src/io/checkpoint.js";
import { Tensor } from "../../ir/tensor.js";

const [path, mode] = process.argv.slice(2);
if (path === undefined) throw new Error("usage: checkpoint-writer <path> [stall]");

/** Writes the first `half` bytes, reports, then never finishes. */
function stalling(half: number): FileSystem {
  return {
    ...nodeFileSystem,
    openExclusive: async (p) => {
      const f = await nodeFileSystem.openExclusive(p);
      let written = 0;
      return {
        ...f,
        write: async (bytes) => {
          if (written + bytes.length >= half) {
            await f.write(bytes.subarray(0, half - written));
            process.stdout.write("partial 2\n");
            await new Promise((resolve) => setTimeout(resolve, 60_000));
          }
          written += bytes.length;
          await f.write(bytes);
        },
      };
    },
  };
}

for (let k = 1; ; k++) {
  const w = new Float32Array(2_000_000).fill(k);
  const fs = mode === "stall" && k === 2 ? stalling(w.byteLength / 2) : nodeFileSystem;
  await save(path, { params: { w: new Tensor("float32", [w.length], w) }, opt: { _tag: "EmptyState" }, step: k, ema: {}, emaMetrics: {} }, { writer: "checkpoint-writer" }, { fs });
  process.stdout.write(`saved ${k}\n`);
}
