import { randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import { basename, dirname, join } from "node:path";
import { GraphgradError } from "../../ir/errors.js";
const nodeFileSystem = {
  openExclusive: async (path) => {
    const fh = await fsp.open(path, "wx", 420);
    return {
      write: async (bytes) => {
        for (let off = 0; off < bytes.length; ) {
          const { bytesWritten } = await fh.write(bytes, off, bytes.length - off);
          off += bytesWritten;
        }
      },
      sync: () => fh.sync(),
      close: () => fh.close()
    };
  },
  rename: (from, to) => fsp.rename(from, to),
  remove: (path) => fsp.rm(path, { force: true }),
  syncDirectory: async (path) => {
    if (process.platform === "win32") return;
    const dh = await fsp.open(path, "r");
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  },
  readFile: async (path) => fsp.readFile(path)
};
function temporaryPath(path) {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
}
async function writeFileAtomic(path, chunks, fs = nodeFileSystem, where = `file '${path}'`) {
  const tmp = temporaryPath(path);
  let file;
  try {
    file = await fs.openExclusive(tmp);
    for (const chunk of chunks) await file.write(chunk);
    await file.sync();
    const f = file;
    file = void 0;
    await f.close();
    await fs.rename(tmp, path);
  } catch (e) {
    if (file !== void 0) await file.close().catch(() => void 0);
    await fs.remove(tmp).catch(() => void 0);
    throw new GraphgradError(where, `could not be written (${messageOf(e)}); any previous file there is unchanged`);
  }
  try {
    await fs.syncDirectory(dirname(path));
  } catch (e) {
    throw new GraphgradError(where, `written, but its directory could not be synced (${messageOf(e)})`);
  }
}
function messageOf(e) {
  return e instanceof Error ? e.message : String(e);
}
export {
  messageOf,
  nodeFileSystem,
  temporaryPath,
  writeFileAtomic
};
