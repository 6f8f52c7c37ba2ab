import { randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import { basename, dirname, join } from "node:path";
import { GraphgradError } from "../../ir/errors.js";

/**
 * Atomic file replacement: write a temporary file in the target's directory, fsync it, rename it
 * over the target, fsync the directory. A crash at any point leaves either the old file or the
 * complete new one under the target name, never a partial one (rename is atomic on POSIX file
 * systems; the fsyncs make the data durable before the name points at it).
 *
 * The file-system calls go through `FileSystem`, so tests can inject failures at any step.
 */

export interface WritableFile {
  write(bytes: Uint8Array): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** A file open for reading at any position. */
export interface ReadableFile {
  /** Its size in bytes when opened. */
  readonly size: number;
  /** Exactly `length` bytes from `position` (fewer only at the end of the file). */
  read(position: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface FileSystem {
  /** Creates a new file (failing if it exists) for writing. */
  openExclusive(path: string): Promise<WritableFile>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  /** Makes a rename in the directory durable. */
  syncDirectory(path: string): Promise<void>;
  readFile(path: string): Promise<Uint8Array>;
  /** Opens a file to read parts of it (a large file need not fit in memory). */
  openRead(path: string): Promise<ReadableFile>;
}

export interface IoOptions {
  /** The file-system layer (default: node:fs); injectable to test failures. */
  readonly fs?: FileSystem;
}

export const nodeFileSystem: FileSystem = {
  openExclusive: async (path) => {
    const fh = await fsp.open(path, "wx", 0o644);
    return {
      write: async (bytes) => {
        // write() may write fewer bytes than asked: loop until all are written.
        for (let off = 0; off < bytes.length; ) {
          const { bytesWritten } = await fh.write(bytes, off, bytes.length - off);
          off += bytesWritten;
        }
      },
      sync: () => fh.sync(),
      close: () => fh.close(),
    };
  },
  rename: (from, to) => fsp.rename(from, to),
  remove: (path) => fsp.rm(path, { force: true }),
  syncDirectory: async (path) => {
    if (process.platform === "win32") return; // directories cannot be opened for fsync there
    const dh = await fsp.open(path, "r");
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  },
  readFile: async (path) => fsp.readFile(path),
  openRead: async (path) => {
    const fh = await fsp.open(path, "r");
    const { size } = await fh.stat();
    return {
      size,
      read: async (position, length) => {
        const out = new Uint8Array(length);
        // read() may return fewer bytes than asked: loop until all are read or the file ends.
        let off = 0;
        while (off < length) {
          const { bytesRead } = await fh.read(out, off, length - off, position + off);
          if (bytesRead === 0) break;
          off += bytesRead;
        }
        return off === length ? out : out.subarray(0, off);
      },
      close: () => fh.close(),
    };
  },
};

/** The temporary name used while writing `path`: hidden, in the same directory, unique. */
export function temporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
}

/** Writes `chunks` to `path` atomically. On failure the temporary file is removed and the target is untouched. */
export async function writeFileAtomic(path: string, chunks: readonly Uint8Array[], fs: FileSystem = nodeFileSystem, where = `file '${path}'`): Promise<void> {
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

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
