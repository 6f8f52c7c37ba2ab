import { randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe } from "../../ir/check.js";
import { GraphgradError } from "../../ir/errors.js";
import * as arg from "../args.js";
import { Tensor } from "../../ir/tensor.js";
import { messageOf } from "../io/atomic-write.js";
import { graphEvent, histogramEvent, scalarEvent, versionEvent } from "./events.js";
import { encodeGraphDef, type GraphSource, toGraph } from "./graph-def.js";
import { histogramOf } from "./histogram.js";
import { frameRecord } from "./record.js";

/**
 * A TensorBoard event-file writer. Each writer creates one new file in `logdir`,
 * `events.out.tfevents.<seconds>.<host>.<pid>.<random>`, starting with the version record. `scalar`,
 * `histogram` and `graph` queue framed records in memory; `flush` appends them to the file (creating
 * `logdir` if need be); `close` flushes and refuses further records.
 */

export interface WriterOptions {
  /** Appended to the file name. */
  readonly filenameSuffix?: string;
  /** Wall-clock seconds stamped on each event (default: now). */
  readonly clock?: () => number;
}

export interface SummaryWriter {
  readonly logdir: string;
  /** The event file. */
  readonly path: string;
  /** A scalar at a step; stored as a float32, as TensorBoard's `simple_value`. */
  scalar(tag: string, value: number, step: number): void;
  /** The histogram of a tensor's (or a list's) values at a step; values must be finite. */
  histogram(tag: string, values: Tensor | ArrayLike<number>, step: number): void;
  /** The graph of a `Graph` (e.g. `step.compiled.graph`) or of named outputs (`{ loss }`), for the graph tab. */
  graph(graph: GraphSource): void;
  /** Bytes queued and not yet in the file. */
  readonly pendingBytes: number;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function writer(logdir: string, options: WriterOptions = {}): SummaryWriter {
  if (typeof logdir !== "string" || logdir === "") throw new GraphgradError("tensorboard.writer", `logdir must be a non-empty path, got ${describe(logdir)}`);
  arg.options("tensorboard.writer", options);
  if (options.filenameSuffix !== undefined) arg.string("tensorboard.writer", options.filenameSuffix, "filenameSuffix");
  if (options.clock !== undefined) arg.func("tensorboard.writer", options.clock, "clock");
  const clock = options.clock ?? ((): number => Date.now() / 1000);
  const started = clock();
  const name = `events.out.tfevents.${String(Math.floor(started)).padStart(10, "0")}.${hostname()}.${process.pid}.${randomBytes(4).toString("hex")}${options.filenameSuffix ?? ""}`;
  const path = join(logdir, name);
  const where = `tensorboard.writer '${path}'`;
  let pending: Uint8Array[] = [frameRecord(versionEvent(started))];
  let pendingBytes = (pending[0] as Uint8Array).length;
  let closed = false;
  // Flushes run one after another, in call order.
  let writing: Promise<void> = Promise.resolve();

  const queue = (event: Uint8Array): void => {
    const record = frameRecord(event);
    pending.push(record);
    pendingBytes += record.length;
  };
  const check = (what: string, tag: string, step: number): void => {
    if (closed) throw new GraphgradError(where, `${what} '${tag}' after close()`);
    if (typeof tag !== "string" || tag === "") throw new GraphgradError(where, `a ${what} tag must be a non-empty string, got ${JSON.stringify(tag)}`);
    if (!Number.isSafeInteger(step) || step < 0) throw new GraphgradError(where, `${what} '${tag}': step must be a non-negative integer, got ${step}`);
  };
  const flushNow = async (): Promise<void> => {
    if (pending.length === 0) return;
    const chunks = pending;
    const size = pendingBytes;
    [pending, pendingBytes] = [[], 0];
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    try {
      await fsp.mkdir(logdir, { recursive: true });
      await fsp.appendFile(path, bytes);
    } catch (e) {
      // Keep the records for the next flush, before any queued since.
      [pending, pendingBytes] = [[bytes, ...pending], pendingBytes + size];
      throw new GraphgradError(where, `could not be written (${messageOf(e)})`);
    }
  };
  const flush = (): Promise<void> => {
    const next = writing.then(flushNow);
    writing = next.catch(() => undefined);
    return next;
  };

  return {
    logdir,
    path,
    get pendingBytes() {
      return pendingBytes;
    },
    scalar(tag, value, step) {
      check("scalar", tag, step);
      if (typeof value !== "number") throw new GraphgradError(where, `scalar '${tag}' at step ${step}: expected a number, got ${typeof value}`);
      queue(scalarEvent(clock(), step, tag, value));
    },
    histogram(tag, values, step) {
      check("histogram", tag, step);
      const data = values instanceof Tensor ? values.data : values;
      queue(histogramEvent(clock(), step, tag, histogramOf(data, `${where}: histogram '${tag}' at step ${step}`)));
    },
    graph(graph) {
      if (closed) throw new GraphgradError(where, "graph after close()");
      queue(graphEvent(clock(), encodeGraphDef(toGraph(graph, `${where}: graph`))));
    },
    flush,
    async close() {
      closed = true;
      await flush();
    },
  };
}
