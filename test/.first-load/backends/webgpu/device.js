const USAGE = { MAP_READ: 1, COPY_SRC: 4, COPY_DST: 8, UNIFORM: 64, STORAGE: 128 };
const MAP_READ = 1;
const COMPUTE_STAGE = 4;
class DeviceState {
  constructor(context, tuning) {
    this.context = context;
    this.tuning = tuning;
    this.device = context.device;
    this.layout = this.device.createBindGroupLayout({
      entries: [{ binding: 0, visibility: COMPUTE_STAGE, buffer: { type: "storage" } }]
    });
    this.basesLayout = this.device.createBindGroupLayout({
      entries: [{ binding: 0, visibility: COMPUTE_STAGE, buffer: { type: "uniform", hasDynamicOffset: true } }]
    });
    this.pipelineLayout = this.device.createPipelineLayout({ bindGroupLayouts: [this.layout, this.basesLayout] });
    void this.device.lost.then((info) => {
      this.lost = `${info.reason}: ${info.message}`;
    });
    this.device.addEventListener("uncapturederror", (e) => {
      this.errors.push(e.error.message);
    });
  }
  context;
  tuning;
  device;
  /** Group 0: the arena (read-write storage). */
  layout;
  /** Group 1: each dispatch's buffer bases, a 256-byte slice of a uniform buffer at a dynamic offset. */
  basesLayout;
  pipelineLayout;
  pipelines = /* @__PURE__ */ new Map();
  pools = /* @__PURE__ */ new Map();
  /** Tensors returned by a run whose bytes are still in a device buffer (fed back without an upload). */
  resident = /* @__PURE__ */ new WeakMap();
  lost;
  errors = [];
  /** Pipelines compiled so far (a cache hit compiles nothing). */
  compiled = 0;
  /** WebGPU errors raised since the last call (validation, out of memory), to surface them as exceptions. */
  takeErrors() {
    return this.errors.splice(0);
  }
  /** The pipeline of a dispatch, compiled once per distinct WGSL source. */
  pipeline(d) {
    let p = this.pipelines.get(d.code);
    if (p === void 0) {
      p = this.compile(d);
      this.pipelines.set(d.code, p);
      p.catch(() => this.pipelines.delete(d.code));
    }
    return p;
  }
  async compile(d) {
    const module = this.device.createShaderModule({ code: d.code, label: d.label });
    try {
      const p = await this.device.createComputePipelineAsync({ layout: this.pipelineLayout, compute: { module, entryPoint: "main" }, label: d.label });
      this.compiled++;
      return p;
    } catch (e) {
      const info = await module.getCompilationInfo();
      const messages = info.messages.map((m) => `${m.type} at ${m.lineNum}:${m.linePos}: ${m.message}`).join("\n");
      throw new Error(`WGSL for a ${d.label} kernel did not compile: ${e instanceof Error ? e.message : String(e)}
${messages}
${d.code}`);
    }
  }
  /** A buffer of at least `bytes` (rounded up to 256) with the given usage, reused when one is free. */
  take(bytes, usage) {
    const size = Math.max(256, Math.ceil(bytes / 256) * 256);
    const key = `${usage}:${size}`;
    const free = this.pools.get(key);
    const b = free?.pop();
    return b ?? this.device.createBuffer({ size, usage });
  }
  /** Returns a buffer to its pool (call only once no later-submitted work still reads it through an old owner). */
  give(b) {
    const key = `${b.usage}:${b.size}`;
    const free = this.pools.get(key) ?? [];
    free.push(b);
    this.pools.set(key, free);
  }
}
export {
  DeviceState,
  MAP_READ,
  USAGE
};
