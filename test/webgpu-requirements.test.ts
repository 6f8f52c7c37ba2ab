import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, inject, it } from "vitest";
import { CHROMIUM, decideWebGpu, type Machine, SWIFTSHADER_ICD, thisMachine, webGpuNotice, webGpuStatus } from "./support/webgpu-requirements.js";

const LOADER = "/usr/lib/x86_64-linux-gnu/libvulkan.so.1";

/** A Linux machine with these files (and directories' contents), after `npm install`. */
function machine(files: readonly string[], o: { env?: Record<string, string>; cache?: readonly string[]; platform?: NodeJS.Platform; npm?: boolean } = {}): Machine {
  const have = new Set(files);
  return {
    platform: o.platform ?? "linux",
    env: { HOME: "/root", ...o.env },
    exists: (p) => have.has(p),
    list: (dir) => files.filter((f) => f.startsWith(`${dir}/`)).map((f) => f.slice(dir.length + 1)),
    cachedLibraryPaths: (name) => (o.cache ?? []).filter((p) => p.endsWith(`/${name}`)),
    hasNpmPackage: () => o.npm ?? true,
  };
}

const FRESH = machine([]);
const EQUIPPED = machine([LOADER, SWIFTSHADER_ICD, CHROMIUM]);

describe("the WebGPU suites' system packages", () => {
  it("a fresh Debian machine skips both suites with one line naming the packages and the command", () => {
    const logged: string[] = [];
    expect(decideWebGpu(FRESH, (l) => logged.push(l))).toEqual({ node: true, browser: true });
    expect(logged).toHaveLength(1);
    const line = logged[0] ?? "";
    expect(line).not.toContain("\n");
    expect(line).toContain("test/backends/webgpu*.test.ts");
    expect(line).toContain("test/browser/*.test.ts");
    expect(line).toContain("missing libvulkan1 (the Vulkan loader), chromium (SwiftShader, a software Vulkan driver; the headless browser)");
    expect(line).toContain("Install with: apt-get install libvulkan1 chromium.");
    expect(line).toContain("GRAPHGRAD_REQUIRE_WEBGPU=1 makes this a failure");
  });

  it("with GRAPHGRAD_REQUIRE_WEBGPU=1 a missing package throws that line instead (and nothing missing runs)", () => {
    const required = { GRAPHGRAD_REQUIRE_WEBGPU: "1" };
    const log = (l: string): never => {
      throw new Error(`logged ${l}`);
    };
    expect(() => decideWebGpu(machine([], { env: required }), log)).toThrow(
      /^GRAPHGRAD_REQUIRE_WEBGPU is set, but the WebGPU tests in Node \(test\/backends\/webgpu\*\.test\.ts\) and the browser tests \(test\/browser\/\*\.test\.ts\) cannot run: missing libvulkan1 .*Install with: apt-get install libvulkan1 chromium\.$/,
    );
    expect(() => decideWebGpu(machine([LOADER, SWIFTSHADER_ICD], { env: required }), log)).toThrow(/browser.*cannot run: missing chromium \(the headless browser\)/);
    expect(decideWebGpu(machine([LOADER, SWIFTSHADER_ICD, CHROMIUM], { env: required }), log)).toEqual({ node: false, browser: false });
    expect(decideWebGpu(machine([], { env: { GRAPHGRAD_REQUIRE_WEBGPU: "0" } }), () => {})).toEqual({ node: true, browser: true });
  });

  it("with the packages installed nothing skips and nothing is printed", () => {
    const logged: string[] = [];
    expect(decideWebGpu(EQUIPPED, (l) => logged.push(l))).toEqual({ node: false, browser: false });
    expect(logged).toEqual([]);
    expect(webGpuNotice(webGpuStatus(EQUIPPED), true)).toBeUndefined();
  });

  it("finds the Vulkan loader through the linker's cache or LD_LIBRARY_PATH, only where the file exists", () => {
    const skipsNode = (m: Machine): boolean => webGpuStatus(m).node.some((x) => x.package === "libvulkan1");
    expect(skipsNode(machine([SWIFTSHADER_ICD]))).toBe(true);
    expect(skipsNode(machine([SWIFTSHADER_ICD, "/opt/vk/libvulkan.so.1"], { cache: ["/opt/vk/libvulkan.so.1"] }))).toBe(false);
    expect(skipsNode(machine([SWIFTSHADER_ICD], { cache: ["/opt/vk/libvulkan.so.1"] }))).toBe(true); // a stale cache entry
    expect(skipsNode(machine([SWIFTSHADER_ICD, "/opt/vk/libvulkan.so.1"], { env: { LD_LIBRARY_PATH: "/x:/opt/vk" } }))).toBe(false);
    expect(skipsNode(machine([SWIFTSHADER_ICD, "/usr/lib64/libvulkan.so.1"]))).toBe(false);
  });

  it("any Vulkan driver serves the Node suite; only the browser suite then needs chromium", () => {
    for (const m of [
      machine([LOADER], { env: { VK_ICD_FILENAMES: "/opt/gpu/icd.json" } }),
      machine([LOADER], { env: { VK_DRIVER_FILES: "/opt/gpu/icd.json" } }),
      machine([LOADER, "/usr/share/vulkan/icd.d/radeon_icd.x86_64.json"]),
      machine([LOADER, "/etc/vulkan/icd.d/nvidia_icd.json"]),
    ]) {
      const status = webGpuStatus(m);
      expect(status.node).toEqual([]);
      expect(webGpuNotice(status, false)).toMatch(/^Skipped the browser tests \(test\/browser\/\*\.test\.ts\): missing chromium \(the headless browser\)\. Install with: apt-get install chromium\./);
    }
    expect(webGpuStatus(machine([LOADER, "/usr/share/vulkan/icd.d/README"])).node.map((x) => x.package)).toEqual(["chromium"]);
  });

  it("without the optional npm package webgpu the Node suite says so; off Linux Dawn needs no Vulkan packages", () => {
    expect(webGpuNotice(webGpuStatus(machine([LOADER, SWIFTSHADER_ICD, CHROMIUM], { npm: false })), false)).toMatch(
      /^Skipped the WebGPU tests in Node \(test\/backends\/webgpu\*\.test\.ts\): missing webgpu \(Dawn for Node, an optional peer dependency\)\. Install with: npm install webgpu\./,
    );
    expect(webGpuStatus(machine([], { platform: "darwin" })).node).toEqual([]);
    expect(webGpuNotice(webGpuStatus(machine([], { npm: false })), false)).toContain("Install with: apt-get install libvulkan1 chromium and npm install webgpu.");
  });

  it("this run's decision is this machine's, and .ci/run installs what the line asks for and sets GRAPHGRAD_REQUIRE_WEBGPU=1", () => {
    expect(decideWebGpu(thisMachine(), () => {})).toEqual(inject("webgpuSkip"));
    const ci = readFileSync(new URL("../.ci/run", import.meta.url), "utf8");
    expect(ci).toMatch(/^export GRAPHGRAD_REQUIRE_WEBGPU=1$/m);
    expect(ci).toMatch(/apt-get install -y --no-install-recommends libvulkan1 chromium/);
  });

  it("every Node test file that uses the shared WebGPU backend skips where the packages are missing", () => {
    const root = fileURLToPath(new URL(".", import.meta.url));
    const users = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith(".test.ts") && readFileSync(join(root, f), "utf8").includes("/webgpu-setup.js\""));
    expect(users).toEqual(expect.arrayContaining([join("backends", "webgpu.test.ts"), join("backends", "webgpu-train.test.ts")]));
    for (const f of users) expect(readFileSync(join(root, f), "utf8"), f).toMatch(/^\s*skipWithoutWebGpu\(\);$|webGpuSkipped\(\)/m);
  });
});
