import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as gg from "../src/index.js";
import { argsArb, publicEntries } from "./support/public-api.js";

/**
 * Everything the library rejects is a GraphgradError: every export of `gg` and of its namespaces
 * (found by walking the module), and exported classes' constructors and static methods, called
 * with random bad arguments, either return or throw (or reject with) a GraphgradError, never a
 * TypeError, RangeError or a crash on an undefined property.
 */

const RUNS = 25;
/** An async call still pending after this long is left (its later rejection is still checked for a GraphgradError). */
const ASYNC_LIMIT_MS = 1000;

const entries = publicEntries();
/** Errors of calls that settled after their time limit: reported by the last test. */
const late: string[] = [];

// Functions that write files (checkpoint.save, writeTensors) get relative paths: keep them in a temporary directory.
const cwd = process.cwd();
let scratch = "";
beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), "gg-public-api-"));
  process.chdir(scratch);
});
afterAll(() => {
  process.chdir(cwd);
  rmSync(scratch, { recursive: true, force: true });
});

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.constructor.name}: ${e.message}` : `a thrown ${typeof e}: ${String(e)}`;
}

async function outcome(call: () => unknown, label: string): Promise<unknown> {
  let r: unknown;
  try {
    r = call();
  } catch (e) {
    return e;
  }
  if (!(r instanceof Promise)) return undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<"pending">((resolve) => (timer = setTimeout(() => resolve("pending"), ASYNC_LIMIT_MS)));
  const settled = r.then(
    () => undefined,
    (e: unknown) => e,
  );
  const first = await Promise.race([settled, limit]);
  clearTimeout(timer);
  if (first === "pending") {
    void settled.then((e) => {
      if (e !== undefined && !(e instanceof gg.GraphgradError)) late.push(`${label}: ${describeError(e)}`);
    });
    return undefined;
  }
  return first;
}

describe("every public function rejects bad arguments with a GraphgradError", () => {
  it("finds the exports by walking the module (functions, namespaces, classes)", () => {
    const paths = entries.map((e) => e.path);
    for (const p of ["gg.add", "gg.tensorFrom", "gg.nn.dense", "gg.optim.adam", "gg.checkpoint.save", "gg.random.normal", "new gg.Tensor", "gg.Expr.of", "gg.data.permutation"]) {
      expect(paths).toContain(p);
    }
    expect(entries.length).toBeGreaterThan(150);
  });

  for (const entry of entries) {
    it(entry.path, async () => {
      await fc.assert(
        fc.asyncProperty(argsArb(entry.arity), async (args) => {
          const e = await outcome(() => entry.call(args), entry.path);
          if (e !== undefined && !(e instanceof gg.GraphgradError)) {
            throw new Error(`${entry.path}(${fc.stringify(args)}) threw ${describeError(e)}`);
          }
        }),
        { numRuns: RUNS },
      );
    });
  }

  it("no call that outlived its time limit failed with anything but a GraphgradError", async () => {
    await new Promise((resolve) => setTimeout(resolve, ASYNC_LIMIT_MS));
    expect(late).toEqual([]);
  });
});
