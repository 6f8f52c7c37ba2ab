import type { Kernel, KernelProgram } from "../../ir/kernel.js";
import type { BufferPlan } from "../../ir/passes/schedule.js";
import { FunctionBuilder, ModuleBuilder } from "./encoder.js";
import type { MathImports } from "./emit-ops.js";
import { genGather, genIota, genMap, genRandom, genReduce, genScatterAdd, type GenContext } from "./kernels.js";
import { genMatmulBody, genMatmulKernel, packBytes } from "./matmul.js";

/**
 * Assembles a kernel program into one WebAssembly module: a function per kernel and an exported
 * `run` calling them in order. Memory (imported as env.memory) holds the buffer arena laid out by
 * the buffer plan, then a scratch area (packed matmul panels).
 */

export interface AssembledModule {
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** Bytes of memory the module addresses (arena + scratch). */
  readonly memoryBytes: number;
}

export interface AssembleOptions {
  readonly fma: boolean;
}

type KernelGenerator = { readonly [K in Kernel["kind"]]: (k: Extract<Kernel, { kind: K }>, g: GenContext, mb: ModuleBuilder) => FunctionBuilder };

export function assemble(p: KernelProgram, plan: BufferPlan, o: AssembleOptions): AssembledModule {
  const mb = new ModuleBuilder();
  const math: MathImports = {
    exp: mb.importFunction({ module: "m", name: "exp", params: ["f64"], results: ["f64"] }),
    log: mb.importFunction({ module: "m", name: "log", params: ["f64"], results: ["f64"] }),
    tanh: mb.importFunction({ module: "m", name: "tanh", params: ["f64"], results: ["f64"] }),
    pow: mb.importFunction({ module: "m", name: "pow", params: ["f64", "f64"], results: ["f64"] }),
  };
  const randomImport = mb.importFunction({ module: "m", name: "random", params: ["i32", "i32", "i32", "i32", "i32"], results: [] });
  const scratch = Math.ceil(plan.bytes / 16) * 16;
  const scratchBytes = Math.max(16, ...p.kernels.map((k) => (k.kind === "matmul" ? packBytes(k) : 0)));
  const addr = (b: number): number => plan.offsets[b] as number;
  const g: GenContext = { addr, math, randomImport };

  const generators: KernelGenerator = {
    map: genMap,
    reduce: genReduce,
    gather: genGather,
    scatterAdd: genScatterAdd,
    iota: genIota,
    random: genRandom,
    matmul: (k, ctx, m) => {
      const body = m.addFunction(genMatmulBody(k, { fma: o.fma, scratch }));
      return genMatmulKernel(k, ctx.addr, body);
    },
  };
  const kernelFns = p.kernels.map((k) => {
    const gen = generators[k.kind] as (k: Kernel, g: GenContext, mb: ModuleBuilder) => FunctionBuilder;
    return mb.addFunction(gen(k, g, mb));
  });
  const run = new FunctionBuilder([], []);
  for (const fn of kernelFns) run.call(fn);
  mb.exportFunction("run", mb.addFunction(run));
  return { bytes: mb.encode(), memoryBytes: scratch + scratchBytes };
}
