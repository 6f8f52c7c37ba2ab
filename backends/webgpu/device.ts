/// <reference types="@webgpu/types" />
import type { Tensor } from "../../ir/tensor.js";
import type { GpuContext } from "./adapter.js";
import type { Dispatch, KernelTuning } from "./shader.js";

/**
 * What a backend value shares across its executables on one device: the bind-group layouts every
 * kernel uses (the arena; its buffer bases), compiled pipelines keyed by their WGSL source (which
 * holds no arena offsets, so equal kernels of different programs share one), pools of result and
 * staging buffers, and the registry of results still on the device.
 */

// WebGPU's flag values (GPUBufferUsage, GPUMapMode, GPUShaderStage), spelled out so that Node needs no globals.
export const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const;
export const MAP_READ = 0x1;
const COMPUTE_STAGE = 0x4;

export class DeviceState {
  readonly device: GPUDevice;
  /** Group 0: the arena (read-write storage). */
  readonly layout: GPUBindGroupLayout;
  /** Group 1: each dispatch's buffer bases, a 256-byte slice of a uniform buffer at a dynamic offset. */
  readonly basesLayout: GPUBindGroupLayout;
  private readonly pipelineLayout: GPUPipelineLayout;
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  private readonly pools = new Map<string, GPUBuffer[]>();
  /** Tensors returned by a run whose bytes are still in a device buffer (fed back without an upload). */
  readonly resident = new WeakMap<Tensor, GPUBuffer>();
  lost: string | undefined;
  private readonly errors: string[] = [];
  /** Pipelines compiled so far (a cache hit compiles nothing). */
  compiled = 0;

  constructor(
    readonly context: GpuContext,
    readonly tuning: KernelTuning,
  ) {
    this.device = context.device;
    this.layout = this.device.createBindGroupLayout({
      entries: [{ binding: 0, visibility: COMPUTE_STAGE, buffer: { type: "storage" } }],
    });
    this.basesLayout = this.device.createBindGroupLayout({
      entries: [{ binding: 0, visibility: COMPUTE_STAGE, buffer: { type: "uniform", hasDynamicOffset: true } }],
    });
    this.pipelineLayout = this.device.createPipelineLayout({ bindGroupLayouts: [this.layout, this.basesLayout] });
    void this.device.lost.then((info) => {
      this.lost = `${info.reason}: ${info.message}`;
    });
    this.device.addEventListener("uncapturederror", (e) => {
      this.errors.push((e as GPUUncapturedErrorEvent).error.message);
    });
  }

  /** WebGPU errors raised since the last call (validation, out of memory), to surface them as exceptions. */
  takeErrors(): string[] {
    return this.errors.splice(0);
  }

  /** The pipeline of a dispatch, compiled once per distinct WGSL source. */
  pipeline(d: Dispatch): Promise<GPUComputePipeline> {
    let p = this.pipelines.get(d.code);
    if (p === undefined) {
      p = this.compile(d);
      this.pipelines.set(d.code, p);
      p.catch(() => this.pipelines.delete(d.code));
    }
    return p;
  }

  private async compile(d: Dispatch): Promise<GPUComputePipeline> {
    const module = this.device.createShaderModule({ code: d.code, label: d.label });
    try {
      const p = await this.device.createComputePipelineAsync({ layout: this.pipelineLayout, compute: { module, entryPoint: "main" }, label: d.label });
      this.compiled++;
      return p;
    } catch (e) {
      const info = await module.getCompilationInfo();
      const messages = info.messages.map((m) => `${m.type} at ${m.lineNum}:${m.linePos}: ${m.message}`).join("\n");
      throw new Error(`WGSL for a ${d.label} kernel did not compile: ${e instanceof Error ? e.message : String(e)}\n${messages}\n${d.code}`);
    }
  }

  /** A buffer of at least `bytes` (rounded up to 256) with the given usage, reused when one is free. */
  take(bytes: number, usage: number): GPUBuffer {
    const size = Math.max(256, Math.ceil(bytes / 256) * 256);
    const key = `${usage}:${size}`;
    const free = this.pools.get(key);
    const b = free?.pop();
    return b ?? this.device.createBuffer({ size, usage });
  }

  /** Returns a buffer to its pool (call only once no later-submitted work still reads it through an old owner). */
  give(b: GPUBuffer): void {
    const key = `${b.usage}:${b.size}`;
    const free = this.pools.get(key) ?? [];
    free.push(b);
    this.pools.set(key, free);
  }
}
