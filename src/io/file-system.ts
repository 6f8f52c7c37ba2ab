import { promises as fsp } from "node:fs";

/**
 * The file-system calls of graphgrad's file I/O, as a value: `nodeFileSystem` by default, and
 * injectable so tests can fail any step or watch what is read.
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
  /** The names in a directory. */
  readDirectory(path: string): Promise<string[]>;
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
  readDirectory: (path) => fsp.readdir(path),
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

/** An error's message, for wrapping it in a GraphgradError. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
