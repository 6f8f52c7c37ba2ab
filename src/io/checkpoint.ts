import { type Either, left, right } from "fp-ts/lib/Either.js";
import { GraphgradError } from "../../ir/errors.js";
import { checkDecodeArgs, checkIoOptions, checkMetadata, checkPath, checkState, checkTensors } from "./args.js";
import { failAt, formatPath, fromJsonValue, type PathSegment, toJsonValue } from "../../ir/json.js";
import { formatShape, shapesEqual } from "../../ir/shape.js";
import { Tensor } from "../../ir/tensor.js";
import type { TransformState } from "../optim/transform.js";
import { type Concrete, mapTree } from "../optim/tree.js";
import type { TrainState } from "../train.js";
import { type IoOptions, messageOf, nodeFileSystem, writeFileAtomic } from "./atomic-write.js";
import { readSafetensors, type ReadOptions, type TensorFile } from "./read-safetensors.js";
import { removeStaleTemporaries } from "./stale-temps.js";
import { crc32 } from "./crc32.js";
import { decodeSafetensors, encodeSafetensors, errorAt } from "./safetensors.js";

/**
 * Checkpoints of a `TrainState` (parameters, optimizer state, step, EMA shadows) as safetensors
 * files. Tensors are named `param/<name>`, `opt/<path in the state tree>`, `ema/<name>` and
 * `emaMetric/<name>`; the metadata holds the format and its version, the step, the optimizer state
 * tree with its tags (leaves replaced by `{"$tensor": name}`) and a CRC-32 of the whole file, so a
 * flipped byte anywhere is detected. Files are replaced atomically (temporary file, fsync, rename,
 * directory fsync); a save or load first removes the temporaries its target's dead writers left.
 */

export const CHECKPOINT_FORMAT = "graphgrad.checkpoint";
export const CHECKPOINT_VERSION = 1;

const RESERVED_PREFIX = "graphgrad.";
const KEY = {
  format: "graphgrad.format",
  version: "graphgrad.version",
  step: "graphgrad.step",
  opt: "graphgrad.opt",
  crc: "graphgrad.crc32",
} as const;
const CRC_PLACEHOLDER = "00000000";
const LEAF = "$tensor";
const PREFIX = { param: "param/", opt: "opt/", ema: "ema/", emaMetric: "emaMetric/" } as const;

export type { IoOptions } from "./atomic-write.js";
export { readSafetensors, type ReadOptions, type Rename } from "./read-safetensors.js";

export interface Loaded<S extends TransformState = TransformState> {
  readonly state: TrainState<S>;
  /** The caller's metadata given to `save`. */
  readonly metadata: Readonly<Record<string, string>>;
}

/** Saves a train state atomically; `metadata` values are strings, keys may not start with `graphgrad.`. */
export async function save(path: string, state: TrainState, metadata: Readonly<Record<string, string>> = {}, options: IoOptions = {}): Promise<void> {
  checkPath("checkpoint.save", path);
  checkIoOptions("checkpoint.save", options);
  const chunks = encodeCheckpoint(state, metadata);
  await writeFileAtomic(path, chunks, options.fs ?? nodeFileSystem, `checkpoint '${path}'`);
}

/**
 * Loads a checkpoint written by `save`. With `like` (e.g. `await step.init(...)`), the file must
 * hold exactly the same parameters, optimizer state tree (tags, paths, dtypes, shapes) and EMA
 * entries; errors name the first difference.
 */
export async function load<S extends TransformState = TransformState>(path: string, like?: TrainState<S>, options: IoOptions = {}): Promise<Loaded<S>> {
  checkPath("checkpoint.load", path);
  if (like !== undefined) checkState("checkpoint.load", like, "like");
  checkIoOptions("checkpoint.load", options);
  await removeStaleTemporaries(path, options.fs ?? nodeFileSystem);
  const bytes = await readBytes(path, options);
  return decodeCheckpoint(bytes, like, `checkpoint '${path}'`);
}

/**
 * Any safetensors file's tensors and metadata, e.g. one written by PyTorch: the same as
 * `readSafetensors` (which can also rename them).
 */
export async function readTensors(path: string, options: ReadOptions = {}): Promise<TensorFile> {
  checkPath("checkpoint.readTensors", path);
  return readSafetensors(path, options);
}

/** Writes named tensors as a safetensors file, atomically. */
export async function writeTensors(path: string, tensors: Readonly<Record<string, Tensor>>, metadata: Readonly<Record<string, string>> = {}, options: IoOptions = {}): Promise<void> {
  checkPath("checkpoint.writeTensors", path);
  checkTensors("checkpoint.writeTensors", tensors, "the tensors");
  checkMetadata("checkpoint.writeTensors", metadata);
  checkIoOptions("checkpoint.writeTensors", options);
  const { header, data } = encodeSafetensors(Object.entries(tensors), metadata);
  await writeFileAtomic(path, [header, ...data], options.fs ?? nodeFileSystem, `safetensors '${path}'`);
}

async function readBytes(path: string, options: IoOptions): Promise<Uint8Array> {
  try {
    return await (options.fs ?? nodeFileSystem).readFile(path);
  } catch (e) {
    throw new GraphgradError(`checkpoint '${path}'`, `cannot be read (${messageOf(e)})`);
  }
}

/** The file's bytes, in pieces (the first holds the header with its checksum). */
export function encodeCheckpoint(state: TrainState, metadata: Readonly<Record<string, string>> = {}): Uint8Array[] {
  const where = "checkpoint.save";
  checkState(where, state);
  checkMetadata(where, metadata);
  for (const [k, v] of Object.entries(metadata)) {
    if (k.startsWith(RESERVED_PREFIX)) throw new GraphgradError(where, `metadata key '${k}' is reserved (prefix '${RESERVED_PREFIX}')`);
    if (typeof v !== "string") throw new GraphgradError(where, `metadata '${k}' must be a string, got ${typeof v}`);
  }
  if (!Number.isSafeInteger(state.step) || state.step < 0) throw new GraphgradError(where, `step must be a non-negative integer, got ${state.step}`);
  const tensors: [string, Tensor][] = [];
  const add = (name: string, t: unknown): void => {
    if (!(t instanceof Tensor)) throw new GraphgradError(where, `'${name}' is not a Tensor`);
    tensors.push([name, t]);
  };
  for (const [n, t] of Object.entries(state.params)) add(PREFIX.param + n, t);
  const tree = mapTree(state.opt, (leaf, path) => {
    add(PREFIX.opt + path, leaf);
    return { [LEAF]: PREFIX.opt + path };
  });
  for (const [n, t] of Object.entries(state.ema)) add(PREFIX.ema + n, t);
  for (const [n, v] of Object.entries(state.emaMetrics)) add(PREFIX.emaMetric + n, new Tensor("float64", [], Float64Array.of(v)));
  const meta: Record<string, string> = {
    ...metadata,
    [KEY.format]: CHECKPOINT_FORMAT,
    [KEY.version]: String(CHECKPOINT_VERSION),
    [KEY.step]: String(state.step),
    [KEY.opt]: JSON.stringify(toJsonValue(tree)),
    [KEY.crc]: CRC_PLACEHOLDER,
  };
  const { header, data } = encodeSafetensors(tensors, meta);
  const at = crcValueOffset(header, CRC_PLACEHOLDER);
  if (at < 0) throw new GraphgradError(where, "internal: checksum field not found in the header");
  const crc = crc32([header, ...data]);
  header.set(new TextEncoder().encode(hex8(crc)), at);
  return [header, ...data];
}

/** Decodes and validates a checkpoint's bytes (see `load`). Throws a GraphgradError naming `where`. */
export function decodeCheckpoint<S extends TransformState = TransformState>(bytes: Uint8Array, like?: TrainState<S>, where = "checkpoint"): Loaded<S> {
  checkDecodeArgs(bytes, like, where);
  const r = decodeEither(bytes, like);
  if (r._tag === "Left") throw errorAt(where, r.left);
  return r.right as Loaded<S>;
}

function decodeEither(bytes: Uint8Array, like: TrainState | undefined): Either<GraphgradError, Loaded> {
  const decoded = decodeSafetensors(bytes);
  if (decoded._tag === "Left") return decoded;
  const { metadata, dataStart } = decoded.right;
  const meta = ["header", "__metadata__"];
  if (metadata[KEY.format] !== CHECKPOINT_FORMAT) {
    return failAt([...meta, KEY.format], `not a graphgrad checkpoint (expected "${CHECKPOINT_FORMAT}", got ${JSON.stringify(metadata[KEY.format] ?? null)}); checkpoint.readTensors reads any safetensors file`);
  }
  if (metadata[KEY.version] !== String(CHECKPOINT_VERSION)) {
    return failAt([...meta, KEY.version], `version ${JSON.stringify(metadata[KEY.version] ?? null)} is not one this graphgrad reads (${CHECKPOINT_VERSION})`);
  }
  const crc = checkCrc(bytes, dataStart, metadata[KEY.crc]);
  if (crc._tag === "Left") return crc;
  const stepText = metadata[KEY.step] ?? "";
  const step = /^(0|[1-9][0-9]*)$/.test(stepText) ? Number(stepText) : NaN;
  if (!Number.isSafeInteger(step)) return failAt([...meta, KEY.step], `expected a non-negative integer, got ${JSON.stringify(stepText)}`);

  const tensors = new Map(decoded.right.tensors);
  const used = new Set<string>();
  const take = (name: string, path: readonly PathSegment[]): Either<GraphgradError, Tensor> => {
    const t = tensors.get(name);
    if (t === undefined) return failAt(path, `refers to tensor '${name}', which the file does not hold`);
    if (used.has(name)) return failAt(path, `refers to tensor '${name}' a second time`);
    used.add(name);
    return right(t);
  };

  let treeJson: unknown;
  try {
    treeJson = JSON.parse(metadata[KEY.opt] ?? "");
  } catch (e) {
    return failAt([...meta, KEY.opt], `not valid JSON (${messageOf(e)})`);
  }
  const treeValue = fromJsonValue(treeJson, [...meta, KEY.opt]);
  if (treeValue._tag === "Left") return treeValue;
  const opt = rebuildTree(treeValue.right, [...meta, KEY.opt], take);
  if (opt._tag === "Left") return opt;

  // Entries, then Object.fromEntries: a name such as `param/__proto__` stays an ordinary key.
  const params: [string, Tensor][] = [];
  const ema: [string, Tensor][] = [];
  const emaMetrics: [string, number][] = [];
  for (const [name, t] of tensors) {
    if (used.has(name)) continue;
    const path = ["header", name];
    if (name.startsWith(PREFIX.param)) params.push([name.slice(PREFIX.param.length), t]);
    else if (name.startsWith(PREFIX.ema)) ema.push([name.slice(PREFIX.ema.length), t]);
    else if (name.startsWith(PREFIX.emaMetric)) {
      if (t.dtype !== "float64" || t.rank !== 0) return failAt(path, `a metric's moving average is a float64 scalar, got ${t.dtype}${formatShape(t.shape)}`);
      emaMetrics.push([name.slice(PREFIX.emaMetric.length), t.item()]);
    } else return failAt(path, "is not part of a train state (names start with param/, opt/, ema/ or emaMetric/; opt/ tensors must appear in the state tree)");
  }
  const state: TrainState = Object.freeze({
    params: Object.freeze(Object.fromEntries(params)),
    opt: opt.right as Concrete<TransformState>,
    step,
    ema: Object.freeze(Object.fromEntries(ema)),
    emaMetrics: Object.freeze(Object.fromEntries(emaMetrics)),
  });
  if (like !== undefined) {
    const mismatch = compareStates(state, like);
    if (mismatch !== undefined) return left(new GraphgradError("", `does not match the expected state: ${mismatch}`));
  }
  const user = Object.fromEntries(Object.entries(metadata).filter(([k]) => !k.startsWith(RESERVED_PREFIX)));
  return right({ state, metadata: Object.freeze(user) });
}

/** The CRC of the whole file with the checksum's own 8 digits read as zeros. */
function checkCrc(bytes: Uint8Array, dataStart: number, value: string | undefined): Either<GraphgradError, void> {
  const path = ["header", "__metadata__", KEY.crc];
  if (value === undefined || !/^[0-9a-f]{8}$/.test(value)) return failAt(path, `expected 8 lowercase hex digits, got ${JSON.stringify(value ?? null)}`);
  const header = bytes.slice(0, dataStart);
  const at = crcValueOffset(header, value);
  if (at < 0) return failAt(path, "the checksum field is not in the form graphgrad writes");
  header.set(new TextEncoder().encode(CRC_PLACEHOLDER), at);
  const actual = crc32([header, bytes.subarray(dataStart)]);
  if (hex8(actual) !== value) return failAt([], `checksum mismatch (CRC-32 ${hex8(actual)}, the file says ${value}): the file is corrupt`);
  return right(undefined);
}

/** The byte offset of the checksum's digits in the header (after its 8-byte length), or -1. */
function crcValueOffset(header: Uint8Array, value: string): number {
  const prefix = `${JSON.stringify(KEY.crc)}:"`;
  const i = indexOfBytes(header.subarray(8), new TextEncoder().encode(`${prefix}${value}"`));
  return i < 0 ? -1 : 8 + i + prefix.length;
}

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

const hex8 = (n: number): string => n.toString(16).padStart(8, "0");

/** The state tree with each `{"$tensor": name}` replaced by that tensor; frozen. */
function rebuildTree(v: unknown, path: readonly PathSegment[], take: (name: string, path: readonly PathSegment[]) => Either<GraphgradError, Tensor>): Either<GraphgradError, unknown> {
  if (v === null || typeof v !== "object") return right(v);
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      const r = rebuildTree(v[i], [...path, i], take);
      if (r._tag === "Left") return r;
      out.push(r.right);
    }
    return right(Object.freeze(out));
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.includes(LEAF)) {
    const name = o[LEAF];
    if (keys.length !== 1 || typeof name !== "string") return failAt(path, `a leaf is {"${LEAF}": "<tensor name>"} and nothing else`);
    if (!name.startsWith(PREFIX.opt)) return failAt([...path, LEAF], `optimizer state tensors are named opt/..., got '${name}'`);
    return take(name, [...path, LEAF]);
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const r = rebuildTree(o[k], [...path, k], take);
    if (r._tag === "Left") return r;
    Object.defineProperty(out, k, { value: r.right, enumerable: true });
  }
  return right(Object.freeze(out));
}

const describe = (t: Tensor): string => `${t.dtype}${formatShape(t.shape)}`;

/** The first difference between a loaded state and the expected one, or undefined. */
function compareStates(file: TrainState, like: TrainState): string | undefined {
  return (
    compareRecords(file.params, like.params, "param") ??
    compareTree(file.opt, like.opt, ["opt"]) ??
    compareRecords(file.ema, like.ema, "ema") ??
    compareKeys(Object.keys(file.emaMetrics), Object.keys(like.emaMetrics), "metric moving average")
  );
}

function compareRecords(file: Readonly<Record<string, Tensor>>, like: Readonly<Record<string, Tensor>>, what: string): string | undefined {
  const keys = compareKeys(Object.keys(file), Object.keys(like), what);
  if (keys !== undefined) return keys;
  for (const [n, t] of Object.entries(like)) {
    const f = file[n] as Tensor;
    if (f.dtype !== t.dtype || !shapesEqual(f.shape, t.shape)) return `${what} '${n}' is ${describe(f)} in the file, ${describe(t)} expected`;
  }
  return undefined;
}

function compareKeys(file: readonly string[], like: readonly string[], what: string): string | undefined {
  const missing = like.filter((k) => !file.includes(k));
  if (missing.length > 0) return `no ${what} '${missing[0]}' in the file (it has: ${file.join(", ") || "none"})`;
  const extra = file.filter((k) => !like.includes(k));
  if (extra.length > 0) return `the file has ${what} '${extra[0]}', which the expected state does not (expected: ${like.join(", ") || "none"})`;
  return undefined;
}

function compareTree(file: unknown, like: unknown, path: readonly PathSegment[]): string | undefined {
  const at = formatPath(path);
  if (like instanceof Tensor) {
    if (!(file instanceof Tensor)) return `${at} is not a tensor in the file, ${describe(like)} expected`;
    return file.dtype === like.dtype && shapesEqual(file.shape, like.shape) ? undefined : `${at} is ${describe(file)} in the file, ${describe(like)} expected`;
  }
  if (file instanceof Tensor) return `${at} is a tensor in the file, ${JSON.stringify(like ?? null)} expected`;
  if (Array.isArray(like)) {
    if (!Array.isArray(file) || file.length !== like.length) return `${at} has ${Array.isArray(file) ? `${file.length} entries` : "no list"} in the file, ${like.length} expected`;
    for (let i = 0; i < like.length; i++) {
      const d = compareTree(file[i], like[i], [...path, i]);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (typeof like === "object" && like !== null) {
    if (typeof file !== "object" || file === null || Array.isArray(file)) return `${at} is not a record in the file`;
    const f = file as Record<string, unknown>;
    const l = like as Record<string, unknown>;
    const keys = compareKeys(Object.keys(f).filter((k) => f[k] !== undefined), Object.keys(l).filter((k) => l[k] !== undefined), `key of ${at}`);
    if (keys !== undefined) return keys;
    for (const k of Object.keys(l).sort()) {
      const d = compareTree(f[k], l[k], [...path, k]);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  return Object.is(file, like) ? undefined : `${at} is ${JSON.stringify(file ?? null)} in the file, ${JSON.stringify(like ?? null)} expected`;
}

export type { FileSystem, WritableFile } from "./atomic-write.js";
