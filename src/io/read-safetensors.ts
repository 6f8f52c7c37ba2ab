import type { Either } from "fp-ts/lib/Either.js";
import { GraphgradError } from "../../ir/errors.js";
import { checkIoOptions, checkMetadata, checkPath } from "./args.js";
import type { Tensor } from "../../ir/tensor.js";
import { type IoOptions, messageOf, nodeFileSystem, type ReadableFile } from "./atomic-write.js";
import { removeStaleTemporaries } from "./stale-temps.js";
import { decodeTensor, type Entry, errorAt, headerLength, parseHeader } from "./safetensors.js";

/**
 * Reading a safetensors file written by any tool, tensor by tensor: the 8-byte length, the header,
 * then each wanted tensor's byte range, so a file larger than memory can be read as long as each
 * tensor fits (and tensors renamed away are never read). Dtypes are converted as
 * safetensors-dtypes.ts says.
 */

/** New names for the file's tensors: a function (undefined leaves a tensor out), or a record (the tensors it names, and only those). */
export type Rename = ((name: string) => string | undefined) | Readonly<Record<string, string>>;

export interface ReadOptions extends IoOptions {
  readonly rename?: Rename;
}

export interface TensorFile {
  readonly tensors: Readonly<Record<string, Tensor>>;
  readonly metadata: Readonly<Record<string, string>>;
}

/** `gg.checkpoint.readSafetensors(path, { rename })`: the tensors (renamed) and the metadata. */
export async function readSafetensors(path: string, options: ReadOptions = {}): Promise<TensorFile> {
  checkPath("checkpoint.readSafetensors", path);
  checkIoOptions("checkpoint.readSafetensors", options);
  if (options.rename !== undefined && typeof options.rename !== "function") checkMetadata("checkpoint.readSafetensors", options.rename, "rename");
  const where = `safetensors '${path}'`;
  const orThrow = <A>(r: Either<GraphgradError, A>): A => {
    if (r._tag === "Left") throw errorAt(where, r.left);
    return r.right;
  };
  const fs = options.fs ?? nodeFileSystem;
  await removeStaleTemporaries(path, fs);
  let file: ReadableFile;
  try {
    file = await fs.openRead(path);
  } catch (e) {
    throw new GraphgradError(where, `cannot be read (${messageOf(e)})`);
  }
  const read = async (position: number, length: number): Promise<Uint8Array> => {
    try {
      return await file.read(position, length);
    } catch (e) {
      throw new GraphgradError(where, `cannot be read at byte ${position} (${messageOf(e)})`);
    }
  };
  try {
    const n = orThrow(headerLength(await read(0, Math.min(8, file.size)), file.size));
    const header = orThrow(parseHeader(await read(8, n), file.size));
    const tensors: [string, Tensor][] = [];
    for (const [target, e] of selected(header.entries, options.rename, where)) {
      const raw = await read(header.dataStart + e.begin, e.end - e.begin);
      if (raw.length !== e.end - e.begin) throw new GraphgradError(where, `truncated while reading tensor '${e.name}' (the file shrank?)`);
      tensors.push([target, orThrow(decodeTensor(e, raw))]);
    }
    // Entries, then Object.fromEntries: a name such as `__proto__` stays an ordinary key.
    return { tensors: Object.freeze(Object.fromEntries(tensors)), metadata: header.metadata };
  } finally {
    await file.close().catch(() => undefined);
  }
}

/** The entries to read with their new names, in file order; errors name the problem. */
function selected(entries: readonly Entry[], rename: Rename | undefined, where: string): [string, Entry][] {
  const names = entries.map((e) => e.name);
  const listed = (): string => `${names.slice(0, 10).join(", ")}${names.length > 10 ? `, ... (${names.length} tensors)` : ""}`;
  let out: [string, Entry][];
  if (rename === undefined) out = entries.map((e) => [e.name, e]);
  else if (typeof rename === "function") {
    out = [];
    for (const e of entries) {
      const target: unknown = rename(e.name);
      if (target === undefined) continue;
      if (typeof target !== "string" || target === "") throw new GraphgradError(where, `rename('${e.name}') must return a non-empty string or undefined, got ${JSON.stringify(target)}`);
      out.push([target, e]);
    }
  } else {
    const byName = new Map(entries.map((e) => [e.name, e]));
    for (const [from, to] of Object.entries(rename)) {
      if (!byName.has(from)) throw new GraphgradError(where, `rename names tensor '${from}', which the file does not hold (it has: ${listed()})`);
      if (typeof to !== "string" || to === "") throw new GraphgradError(where, `rename['${from}'] must be a non-empty string, got ${JSON.stringify(to)}`);
    }
    out = entries.filter((e) => Object.prototype.hasOwnProperty.call(rename, e.name)).map((e) => [rename[e.name] as string, e]);
  }
  const seen = new Map<string, string>();
  for (const [target, e] of out) {
    const other = seen.get(target);
    if (other !== undefined) throw new GraphgradError(where, `tensors '${other}' and '${e.name}' are both renamed to '${target}'`);
    seen.set(target, e.name);
  }
  return out;
}
