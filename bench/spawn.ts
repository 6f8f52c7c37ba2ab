import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Figure } from "./protocol.js";
import { RESULT_MARKER } from "./result-marker.js";
import type { WorkloadId } from "./workloads.js";

/**
 * Runs one worker in its own process (`node --import tsx bench/worker.ts ...`: tsx's loader in a
 * single process, so a timeout can stop it) and parses its `@@bench` line. A worker that crashes,
 * prints nothing, or runs past the timeout yields a "failed" figure carrying the reason.
 */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));

export function runWorker(impl: string, workload: WorkloadId, flags: readonly string[], timeoutSeconds: number, env: NodeJS.ProcessEnv = process.env): Promise<Figure> {
  const variant = flags.includes("--workaround") ? "workaround" : "as-is";
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "bench/worker.ts", impl, workload, ...flags], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutSeconds * 1000);
    child.on("close", (code) => {
      clearTimeout(timer);
      const line = stdout.split("\n").find((l) => l.startsWith(RESULT_MARKER));
      const wallSeconds = (performance.now() - started) / 1000;
      if (line !== undefined && !timedOut) {
        resolve(JSON.parse(line.slice(RESULT_MARKER.length)) as Figure);
        return;
      }
      if (timedOut) {
        resolve({ impl, workload, variant, status: "too-slow", reason: `no result within the ${timeoutSeconds} s limit`, wallSeconds });
        return;
      }
      const tail = (stderr.trim().split("\n").pop() ?? "").slice(0, 200);
      resolve({ impl, workload, variant, status: "failed", reason: `worker exited with code ${code ?? "?"} and no result${tail ? `: ${tail}` : ""}`, wallSeconds });
    });
  });
}
