import { dirname } from "node:path";
import { GraphgradError } from "../../ir/errors.js";
import { type FileSystem, messageOf, nodeFileSystem, type WritableFile } from "./file-system.js";
import { removeStaleTemporaries, temporaryPath } from "./stale-temps.js";

/**
 * Atomic file replacement: write a temporary file in the target's directory, fsync it, rename it
 * over the target, fsync the directory. A crash at any point leaves either the old file or the
 * complete new one under the target name, never a partial one (rename is atomic on POSIX file
 * systems; the fsyncs make the data durable before the name points at it).
 *
 * The file-system calls go through `FileSystem`, so tests can inject failures at any step. Before
 * writing, the temporaries of the same target left by writers that died are removed
 * (stale-temps.ts).
 */

export { type FileSystem, type IoOptions, messageOf, nodeFileSystem, type ReadableFile, type WritableFile } from "./file-system.js";

/** Writes `chunks` to `path` atomically. On failure the temporary file is removed and the target is untouched. */
export async function writeFileAtomic(path: string, chunks: readonly Uint8Array[], fs: FileSystem = nodeFileSystem, where = `file '${path}'`): Promise<void> {
  await removeStaleTemporaries(path, fs);
  const tmp = temporaryPath(path);
  let file: WritableFile | undefined;
  try {
    file = await fs.openExclusive(tmp);
    for (const chunk of chunks) await file.write(chunk);
    await file.sync();
    const f = file;
    file = undefined;
    await f.close();
    await fs.rename(tmp, path);
  } catch (e) {
    if (file !== undefined) await file.close().catch(() => undefined);
    await fs.remove(tmp).catch(() => undefined);
    throw new GraphgradError(where, `could not be written (${messageOf(e)}); any previous file there is unchanged`);
  }
  try {
    await fs.syncDirectory(dirname(path));
  } catch (e) {
    throw new GraphgradError(where, `written, but its directory could not be synced (${messageOf(e)})`);
  }
}

