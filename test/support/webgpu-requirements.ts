import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * What the WebGPU test suites need from the machine, beyond `npm install`:
 * - test/backends/webgpu*.test.ts runs the backend in Node on Dawn (the npm package `webgpu`: an
 *   optional peer dependency of graphgrad, a devDependency here), which on Linux drives a Vulkan
 *   driver through the Vulkan loader (Debian's `libvulkan1`); without a GPU the driver is
 *   SwiftShader, the software one in Debian's `chromium`.
 * - test/browser/*.test.ts drive Debian's `chromium` headless (it bundles its own loader).
 *
 * Only the absence of these packages skips a suite (`decideWebGpu`, called by vitest.config.ts,
 * prints one line saying so); with them installed, a missing adapter is a test failure. Setting
 * GRAPHGRAD_REQUIRE_WEBGPU=1 (as .ci/run does) turns the skip into a failure of the run.
 */

declare module "vitest" {
  export interface ProvidedContext {
    /** Whether each WebGPU suite skips because something it needs is not installed. */
    webgpuSkip: WebGpuSkip;
  }
}

export interface WebGpuSkip {
  readonly node: boolean;
  readonly browser: boolean;
}

export const REQUIRE_WEBGPU = "GRAPHGRAD_REQUIRE_WEBGPU";
/** Debian's chromium, the browser the browser suite launches. */
export const CHROMIUM = "/usr/bin/chromium";
/** SwiftShader's Vulkan ICD, from Debian's chromium package. */
export const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";
const VULKAN_LOADER = "libvulkan.so.1";

/** The machine as the checks see it: a parameter, so that tests can describe other machines. */
export interface Machine {
  readonly platform: NodeJS.Platform;
  readonly env: Readonly<Record<string, string | undefined>>;
  exists(path: string): boolean;
  /** The file names in a directory (none when it does not exist). */
  list(dir: string): readonly string[];
  /** The paths the dynamic linker's cache (`ldconfig -p`) gives for a library. */
  cachedLibraryPaths(name: string): readonly string[];
  /** Whether an npm package resolves from this repository. */
  hasNpmPackage(name: string): boolean;
}

export interface Missing {
  /** The package that provides it: a Debian package or an npm one. */
  readonly package: string;
  readonly from: "apt" | "npm";
  /** What it is for, for a person: "the Vulkan loader". */
  readonly role: string;
}

export interface WebGpuStatus {
  /** What test/backends/webgpu*.test.ts lacks (Dawn in Node); empty when it can run. */
  readonly node: readonly Missing[];
  /** What test/browser/*.test.ts lacks (headless Chromium); empty when it can run. */
  readonly browser: readonly Missing[];
}

const LOADER: Missing = { package: "libvulkan1", from: "apt", role: "the Vulkan loader" };
const DRIVER: Missing = { package: "chromium", from: "apt", role: "SwiftShader, a software Vulkan driver" };
const BROWSER: Missing = { package: "chromium", from: "apt", role: "the headless browser" };
const DAWN: Missing = { package: "webgpu", from: "npm", role: "Dawn for Node, an optional peer dependency" };

const pathList = (v: string | undefined): string[] => (v ?? "").split(":").filter((d) => d !== "");

function hasVulkanLoader(m: Machine): boolean {
  const dirs = [...pathList(m.env["LD_LIBRARY_PATH"]), "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib", "/usr/local/lib"];
  return [...m.cachedLibraryPaths(VULKAN_LOADER), ...dirs.map((d) => join(d, VULKAN_LOADER))].some((p) => m.exists(p));
}

/** An ICD the loader would use: one named in the environment, SwiftShader's, or a manifest in the loader's search folders. */
function hasVulkanDriver(m: Machine): boolean {
  if ((m.env["VK_ICD_FILENAMES"] ?? m.env["VK_DRIVER_FILES"] ?? "") !== "") return true;
  if (m.exists(SWIFTSHADER_ICD)) return true;
  const dataDirs = [...pathList(m.env["XDG_DATA_DIRS"] ?? "/usr/local/share:/usr/share"), m.env["XDG_DATA_HOME"] ?? join(homedir(), ".local/share")];
  const icdDirs = ["/etc/vulkan/icd.d", ...dataDirs.map((d) => join(d, "vulkan/icd.d"))];
  return icdDirs.some((d) => m.list(d).some((f) => f.endsWith(".json")));
}

export function webGpuStatus(m: Machine): WebGpuStatus {
  const node: Missing[] = [];
  if (!m.hasNpmPackage("webgpu")) node.push(DAWN);
  // Dawn uses Metal on macOS and Direct3D on Windows: the Vulkan pieces are Linux's.
  if (m.platform === "linux") {
    if (!hasVulkanLoader(m)) node.push(LOADER);
    if (!hasVulkanDriver(m)) node.push(DRIVER);
  }
  return { node, browser: m.exists(CHROMIUM) ? [] : [BROWSER] };
}

const unique = (xs: readonly string[]): string[] => [...new Set(xs)];

/**
 * The one line that says which suites cannot run, what is missing and how to install it, worded
 * as a skip or (when `required`) as the failure; undefined when nothing is missing.
 */
export function webGpuNotice(s: WebGpuStatus, required: boolean): string | undefined {
  const missing = [...s.node, ...s.browser];
  if (missing.length === 0) return undefined;
  const suites = [s.node.length > 0 ? "the WebGPU tests in Node (test/backends/webgpu*.test.ts)" : "", s.browser.length > 0 ? "the browser tests (test/browser/*.test.ts)" : ""].filter((x) => x !== "").join(" and ");
  const packages = unique(missing.map((x) => x.package));
  const roles = (p: string): string => unique(missing.filter((x) => x.package === p).map((x) => x.role)).join("; ");
  const install = (from: Missing["from"], command: string): string => {
    const names = unique(missing.filter((x) => x.from === from).map((x) => x.package));
    return names.length > 0 ? `${command} ${names.join(" ")}` : "";
  };
  const commands = [install("apt", "apt-get install"), install("npm", "npm install")].filter((c) => c !== "");
  const what = `missing ${packages.map((p) => `${p} (${roles(p)})`).join(", ")}. Install with: ${commands.join(" and ")}.`;
  return required ? `${REQUIRE_WEBGPU} is set, but ${suites} cannot run: ${what}` : `Skipped ${suites}: ${what} (${REQUIRE_WEBGPU}=1 makes this a failure.)`;
}

export const requireWebGpu = (env: Readonly<Record<string, string | undefined>>): boolean => (env[REQUIRE_WEBGPU] ?? "") !== "" && env[REQUIRE_WEBGPU] !== "0";

/**
 * Decides once per run whether the WebGPU suites can run on this machine. With something they
 * need missing it logs one line saying what and how to install it (the suites then skip), or,
 * when GRAPHGRAD_REQUIRE_WEBGPU=1, throws that line, which stops the run.
 */
export function decideWebGpu(machine: Machine, log: (line: string) => void): WebGpuSkip {
  const status = webGpuStatus(machine);
  const required = requireWebGpu(machine.env);
  const notice = webGpuNotice(status, required);
  if (notice !== undefined && required) throw new Error(notice);
  if (notice !== undefined) log(`⚠ ${notice}`);
  return { node: status.node.length > 0, browser: status.browser.length > 0 };
}

function ldconfigPaths(name: string): string[] {
  for (const ldconfig of ["/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig"]) {
    try {
      const out = execFileSync(ldconfig, ["-p"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
      // Lines read "\tlibvulkan.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libvulkan.so.1".
      return out.split("\n").flatMap((l) => {
        const m = /^\s*(\S+) .*=> (.+)$/.exec(l);
        return m?.[1] === name && m[2] !== undefined ? [m[2].trim()] : [];
      });
    } catch {
      // not there: try the next
    }
  }
  return [];
}

/** This machine. */
export function thisMachine(): Machine {
  const require = createRequire(import.meta.url);
  return {
    platform: process.platform,
    env: process.env,
    exists: existsSync,
    list: (dir) => {
      try {
        return readdirSync(dir);
      } catch {
        return [];
      }
    },
    cachedLibraryPaths: ldconfigPaths,
    hasNpmPackage: (name) => {
      try {
        require.resolve(`${name}/package.json`);
        return true;
      } catch {
        return false;
      }
    },
  };
}
