import { type BackendName, BATCH_SIZES, EPOCHS_PER_FRAME, isBackendName, isOptimizerName, L2_RATES, LEARNING_RATES, OPTIMIZERS, type Settings } from "./settings.js";

/** The page's buttons and menus (page.html), filled from the settings tables. */
export interface Controls {
  readonly train: HTMLButtonElement;
  readonly reset: HTMLButtonElement;
  /** The settings the menus show. */
  read(): Settings;
  /** How many epochs to train per animation frame at most (the page's time budget per frame applies too). */
  epochsPerFrame(): number;
  /** Makes the menus show `settings`. */
  show(settings: Settings): void;
  /** Calls `f` when any menu changes. */
  onChange(f: () => void): void;
}

const BACKENDS: Readonly<Record<BackendName, string>> = { wasm: "WASM", webgpu: "WebGPU" };

export function bindControls(doc: Document): Controls {
  const select = (id: string, options: readonly (readonly [string, string])[]): HTMLSelectElement => {
    const el = element(doc, id, HTMLSelectElement);
    for (const [value, label] of options) el.add(new Option(label, value));
    return el;
  };
  const numbers = (values: readonly number[]): (readonly [string, string])[] => values.map((v) => [String(v), String(v)]);
  const menus = {
    backend: select("backend", Object.entries(BACKENDS)),
    optimizer: select("optimizer", Object.entries(OPTIMIZERS).map(([name, o]) => [name, o.label] as const)),
    lr: select("lr", numbers(LEARNING_RATES)),
    l2: select("l2", numbers(L2_RATES)),
    batch: select("batch", numbers(BATCH_SIZES)),
  };
  const speed = select("speed", numbers(EPOCHS_PER_FRAME));
  return {
    train: element(doc, "train", HTMLButtonElement),
    reset: element(doc, "reset", HTMLButtonElement),
    read: () => {
      const backend = menus.backend.value;
      const optimizer = menus.optimizer.value;
      if (!isBackendName(backend) || !isOptimizerName(optimizer)) throw new Error(`playground: unknown backend '${backend}' or optimizer '${optimizer}'`);
      return { backend, optimizer, lr: Number(menus.lr.value), l2: Number(menus.l2.value), batchSize: Number(menus.batch.value) };
    },
    epochsPerFrame: () => {
      const epochs = Number(speed.value);
      if (!(epochs >= 1)) throw new Error(`playground: epochs per frame must be at least 1, the menu says '${speed.value}'`);
      return epochs;
    },
    show: (s) => {
      menus.backend.value = s.backend;
      menus.optimizer.value = s.optimizer;
      menus.lr.value = String(s.lr);
      menus.l2.value = String(s.l2);
      menus.batch.value = String(s.batchSize);
    },
    onChange: (f) => Object.values(menus).forEach((m) => m.addEventListener("change", f)),
  };
}

/** The element with this id, of this class (the page and the script must agree). */
export function element<T extends HTMLElement>(doc: Document, id: string, kind: new () => T): T {
  const el = doc.getElementById(id);
  if (!(el instanceof kind)) throw new Error(`playground: the page has no ${kind.name} #${id}`);
  return el;
}
