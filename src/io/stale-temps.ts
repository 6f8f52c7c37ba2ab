import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { crc32 } from "./crc32.js";
import type { FileSystem } from "./file-system.js";

/**
 * Temporary files of atomic writes are named `.<target>.<pid>.<host>.<random>.tmp`: hidden, beside
 * the target, with the writing process's id and a hash of its host's name. A writer killed while
 * writing leaves its temporary behind; the next save or load of the same target removes the
 * temporaries of that target written on this host by a process that is gone (`process.kill(pid, 0)`
 * finds none). A temporary whose process is alive is kept (if a new process reused a dead writer's
 * id, its temporary stays until that process ends too), as are those of another host (whose
 * processes cannot be checked from here) and of other targets.
 */

/** This host's tag: a hash of its name (computed when used, so that loading this module in a browser bundle calls nothing). */
const hostTag = (): string => crc32([new TextEncoder().encode(hostname())]).toString(16).padStart(8, "0");
const TAIL = /^(\d+)\.([0-9a-f]{8})\.[0-9a-f]{12}\.tmp$/;

/** The temporary name used while `pid` writes `path`: hidden, in the same directory, unique. */
export function temporaryPath(path: string, pid = process.pid): string {
  return join(dirname(path), `.${basename(path)}.${pid}.${hostTag()}.${randomBytes(6).toString("hex")}.tmp`);
}

/** Whether a process with this id exists on this host (one we may not signal exists too). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/** The writer's process id when `name` is a temporary of the target named `target`, written on this host. */
export function temporaryWriter(name: string, target: string): number | undefined {
  const prefix = `.${target}.`;
  if (!name.startsWith(prefix)) return undefined;
  const m = TAIL.exec(name.slice(prefix.length));
  if (m === null || m[2] !== hostTag()) return undefined;
  const pid = Number(m[1]);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Removes the stale temporaries of `path` (see above) and returns their names. Best effort: a
 * directory that cannot be listed, or a file that cannot be removed, is left as it is.
 */
export async function removeStaleTemporaries(path: string, fs: FileSystem, alive: (pid: number) => boolean = processAlive): Promise<readonly string[]> {
  const dir = dirname(path);
  let names: string[];
  try {
    names = await fs.readDirectory(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = temporaryWriter(name, basename(path));
    if (pid === undefined || alive(pid)) continue;
    try {
      await fs.remove(join(dir, name));
      removed.push(name);
    } catch {
      // A read-only directory, say: the temporary stays; the save or load goes on.
    }
  }
  return removed;
}
