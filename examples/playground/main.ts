import * as gg from "../../src/index.js";
import dotCsv from "../data/dot.csv";
import { initialParams } from "../dot/model.js";
import { bindControls, element } from "./controls.js";
import { drawLossChart } from "./loss-chart.js";
import { drawPlane, GRID, GRID_POINTS } from "./plane.js";
import { dotPointsFromCsv } from "./points.js";
import { type BackendName, DEFAULT_SETTINGS, type Settings } from "./settings.js";
import { createTrainer, type Trainer } from "./trainer.js";

/**
 * The playground page's script: trains the dot MLP in the browser and draws it. Each animation
 * frame trains the epochs per frame chosen on the page, stopping early after TRAIN_MS (at least
 * one step), then draws the picture and gives the browser the thread back, so the page stays
 * responsive. Everything that uses the trainer runs one task at a time (`exclusive`): frames, a
 * change of settings, a reset. Training pauses when the loss stops being a finite number.
 */
const TRAIN_MS = 12;
/** The key of the first initial weights (as `npm run dot`); Reset takes the next. */
const FIRST_SEED = 1;

/** What the page shows, as numbers (for a test, or a person at the console): `window.playground`. */
export interface PlaygroundView {
  /** The settings the current trainer was built with. */
  readonly settings: Settings;
  readonly running: boolean;
  readonly steps: number;
  readonly history: readonly number[];
  readonly accuracy: number;
  /** Pictures drawn so far. */
  readonly frames: number;
  readonly error?: string;
}

declare global {
  interface Window {
    playground?: PlaygroundView;
  }
}

const data = dotPointsFromCsv(dotCsv);
const n = data.x.rows;
/** The grid and then the data points, predicted in one call. */
const probe = new gg.Tensor("float32", [GRID * GRID + n, 2], Float32Array.from([...GRID_POINTS, ...data.x.data]));

const controls = bindControls(document);
const planeCtx = context(element(document, "plane", HTMLCanvasElement));
const lossCtx = context(element(document, "loss", HTMLCanvasElement));
const scratch = Object.assign(document.createElement("canvas"), { width: GRID, height: GRID });
const status = element(document, "status", HTMLElement);
const text = (id: string, value: string): void => void (element(document, id, HTMLElement).textContent = value);

const wasmBackend = gg.wasm();
let webgpuBackend: Promise<gg.Backend & { readonly description: string }> | undefined;
const backendFor = (name: BackendName): Promise<gg.Backend> => (name === "wasm" ? Promise.resolve(wasmBackend) : (webgpuBackend ??= gg.webgpu()));

let seed = FIRST_SEED;
let trainer: Trainer;
let running = false;
let frames = 0;
/** The current training loop; a loop whose number is not this one stops (Pause then Train starts a new one). */
let loop = 0;
let accuracy = Number.NaN;
/** Steps and time at the last speed reading. */
let speedMark = { steps: 0, at: performance.now() };
let queue: Promise<void> = Promise.resolve();

function exclusive(task: () => Promise<void>): Promise<void> {
  queue = queue.then(task).catch((e: unknown) => fail(e));
  return queue;
}

function pause(): void {
  running = false;
  controls.train.textContent = "Train";
}

function fail(e: unknown): void {
  pause();
  status.textContent = String(e);
  status.classList.add("error");
  publish(String(e));
  console.error(e);
}

async function draw(): Promise<void> {
  const out = await trainer.predict(probe);
  let right = 0;
  for (let r = 0; r < n; r++) right += ((out[GRID * GRID + r] as number) >= 0.5) === ((data.y.data[r] as number) !== 0) ? 1 : 0;
  accuracy = right / n;
  drawPlane(planeCtx, scratch, out.subarray(0, GRID * GRID), data);
  drawLossChart(lossCtx, trainer.history);
  const last = trainer.history[trainer.history.length - 1];
  text("epoch", String(trainer.history.length));
  text("steps", String(trainer.steps));
  text("last-loss", last === undefined ? "–" : last.toPrecision(4));
  text("accuracy", `${(100 * accuracy).toFixed(1)}%`);
  const now = performance.now();
  if (now - speedMark.at >= 500) {
    text("steps-per-second", running ? String(Math.round(((trainer.steps - speedMark.steps) * 1000) / (now - speedMark.at))) : "–");
    speedMark = { steps: trainer.steps, at: now };
  }
  frames++;
  publish();
}

function publish(error?: string): void {
  const s = trainer as Trainer | undefined;
  window.playground = { settings: s?.settings ?? DEFAULT_SETTINGS, running, steps: s?.steps ?? 0, history: s?.history ?? [], accuracy, frames, ...(error === undefined ? {} : { error }) };
}

function frame(mine: number): void {
  void exclusive(async () => {
    if (!running || mine !== loop) return;
    const start = performance.now();
    const steps = controls.epochsPerFrame() * Math.ceil(n / trainer.settings.batchSize);
    for (let k = 0; k < steps && (k === 0 || performance.now() - start < TRAIN_MS); k++) await trainer.step();
    if (!Number.isFinite(trainer.lastLoss)) {
      pause();
      status.textContent = `The loss is ${trainer.lastLoss} at step ${trainer.steps}: training paused. Choose a smaller learning rate and press Reset.`;
    }
    await draw();
  }).then(() => {
    if (running && mine === loop) requestAnimationFrame(() => frame(mine));
  });
}

async function describe(settings: Settings): Promise<string> {
  if (settings.backend === "webgpu") return `WebGPU backend: ${(await (webgpuBackend as NonNullable<typeof webgpuBackend>)).description}`;
  return crossOriginIsolated
    ? "WASM backend; the page is cross-origin isolated, so large kernels may be shared with worker threads (this network's are too small to split)"
    : "WASM backend on one thread (the page is not cross-origin isolated: no shared memory)";
}

/** Builds a trainer for the menus' settings from the current one's weights; back to the old settings if that fails. */
async function applySettings(): Promise<void> {
  const settings = controls.read();
  try {
    trainer = await trainer.continueWith(settings, await backendFor(settings.backend));
  } catch (e) {
    if (settings.backend === "webgpu") webgpuBackend = undefined;
    controls.show(trainer.settings);
    throw e;
  }
  status.classList.remove("error");
  status.textContent = await describe(settings);
  speedMark = { steps: trainer.steps, at: performance.now() };
  await draw();
}

async function reset(settings: Settings): Promise<void> {
  seed++;
  trainer = await createTrainer({ data, settings, backend: await backendFor(settings.backend), params: await initialParams(gg.random.key(seed)) });
  await draw();
}

controls.show(DEFAULT_SETTINGS);
controls.onChange(() => void exclusive(applySettings));
controls.train.addEventListener("click", () => {
  running = !running;
  controls.train.textContent = running ? "Pause" : "Train";
  speedMark = { steps: trainer.steps, at: performance.now() };
  publish();
  if (running) frame(++loop);
});
controls.reset.addEventListener("click", () => void exclusive(() => reset(trainer.settings)));

void exclusive(async () => {
  trainer = await createTrainer({ data, settings: DEFAULT_SETTINGS, backend: wasmBackend, params: await initialParams(gg.random.key(seed)) });
  status.textContent = await describe(DEFAULT_SETTINGS);
  await draw();
  controls.train.disabled = false;
  controls.reset.disabled = false;
});

function context(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const ctx = canvas.getContext("2d");
  if (ctx === null) throw new Error(`playground: no 2D context on #${canvas.id}`);
  return ctx;
}
