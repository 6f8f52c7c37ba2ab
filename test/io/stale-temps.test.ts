import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { nodeFileSystem } from "../../src/io/atomic-write.js";
import { processAlive, removeStaleTemporaries, temporaryPath, temporaryWriter } from "../../src/io/stale-temps.js";

/**
 * Temporaries left by killed writers: the next save or load of the same target removes them, never
 * one whose writer is alive, nor another target's or another host's.
 */

const { checkpoint } = gg;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gg-stale-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A checkpoint-writer process stalled half way through its second save (its temporary half written). */
async function stalledWriter(path: string): Promise<ChildProcess> {
  const script = fileURLToPath(new URL("./checkpoint-writer.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script, path, "stall"], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  await new Promise<void>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", () => reject(new Error(`the writer exited early: ${out}`)));
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("partial 2\n")) resolve();
    });
  });
  child.removeAllListeners("exit");
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

const temporaries = async (d: string): Promise<string[]> => (await readdir(d)).filter((f) => f.endsWith(".tmp"));
const state = (k: number): gg.TrainState => ({ params: { w: new gg.Tensor("float32", [4], new Float32Array(4).fill(k)) }, opt: { _tag: "EmptyState" }, step: k, ema: {}, emaMetrics: {} });

/** The id of a process that has exited. */
const deadPid = (): number => spawnSync(process.execPath, ["-e", ""]).pid as number;

describe("stale temporaries", () => {
  it("a killed writer's temporary is removed by the next save, or by the next load", async () => {
    await Promise.all(
      (["save", "load", "readSafetensors"] as const).map(async (next) => {
        const sub = await mkdtemp(join(dir, `${next}-`));
        const path = join(sub, "big.safetensors");
        await kill(await stalledWriter(path));
        const [temp] = await temporaries(sub);
        expect(temp).toMatch(/^\.big\.safetensors\.\d+\.[0-9a-f]{8}\.[0-9a-f]{12}\.tmp$/);
        expect((await stat(join(sub, temp!))).size).toBeGreaterThan(1_000_000); // half of an 8 MB save
        if (next === "save") await checkpoint.save(path, state(5));
        else if (next === "load") expect((await checkpoint.load(path)).state.step).toBe(1);
        else expect(Object.keys((await checkpoint.readSafetensors(path)).tensors)).toEqual(["param/w"]);
        expect(await readdir(sub)).toEqual(["big.safetensors"]);
      }),
    );
  }, 60_000);

  it("a live writer's temporary is kept by saves and loads, and removed once the writer is killed", async () => {
    const sub = await mkdtemp(join(dir, "live-"));
    const path = join(sub, "big.safetensors");
    const writer = await stalledWriter(path);
    try {
      const [temp] = await temporaries(sub);
      const size = (await stat(join(sub, temp!))).size;
      await checkpoint.save(path, state(7));
      expect((await checkpoint.load(path)).state.step).toBe(7);
      await checkpoint.readTensors(path);
      expect(await temporaries(sub)).toEqual([temp]);
      expect((await stat(join(sub, temp!))).size).toBe(size);
      expect(temporaryWriter(temp!, "big.safetensors")).toBe(writer.pid);
    } finally {
      await kill(writer);
    }
    expect((await checkpoint.load(path)).state.step).toBe(7);
    expect(await temporaries(sub)).toEqual([]);
  }, 60_000);

  it("only the target's own temporaries of this host are removed", async () => {
    const sub = await mkdtemp(join(dir, "others-"));
    const path = join(sub, "m.safetensors");
    const dead = deadPid();
    expect(processAlive(dead)).toBe(false);
    const mine = basename(temporaryPath(path, dead));
    const host = mine.split(".").at(-3) as string;
    const otherHost = host === "00000000" ? "00000001" : "00000000";
    const kept = [
      basename(temporaryPath(join(sub, "other.safetensors"), dead)), // another target
      basename(temporaryPath(join(sub, "m.safetensors.1"), dead)), // a target whose name extends this one's
      `.m.safetensors.${dead}.${otherHost}.0123456789ab.tmp`, // another host
      `.m.safetensors.${process.pid}.${host}.0123456789ab.tmp`, // a live process (this one)
      ".m.safetensors.tmp",
      "m.safetensors.123.tmp",
    ];
    for (const f of [mine, ...kept]) await writeFile(join(sub, f), "partial");
    expect(await removeStaleTemporaries(path, nodeFileSystem)).toEqual([mine]);
    expect((await readdir(sub)).sort()).toEqual([...kept].sort());
    // A directory that does not exist (yet) has nothing to remove.
    expect(await removeStaleTemporaries(join(sub, "new", "m.safetensors"), nodeFileSystem)).toEqual([]);
  });
});
