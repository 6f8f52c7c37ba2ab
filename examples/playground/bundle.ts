import { build, type Plugin } from "esbuild";

/**
 * Bundles a browser page's script with esbuild, in memory: one ES module with everything it
 * imports, CSV files as text (the page's data travels inside the script; the page fetches nothing).
 * Node's built-ins have no browser form: the modules that use them (checkpoint files, WASM worker
 * threads in Node) get an empty stand-in, and the library's browser paths take over.
 */
const nodeBuiltins: Plugin = {
  name: "node-builtins",
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: "node-builtin" }));
    b.onLoad({ filter: /.*/, namespace: "node-builtin" }, () => ({ contents: "module.exports = {};", loader: "js" }));
  },
};

/** The entry: a file, or TypeScript source resolved from a folder. */
export type PageEntry = { readonly file: string } | { readonly source: string; readonly resolveDir: string };

export async function bundlePage(entry: PageEntry): Promise<string> {
  const result = await build({
    ...("file" in entry ? { entryPoints: [entry.file] } : { stdin: { contents: entry.source, resolveDir: entry.resolveDir, sourcefile: "page-entry.ts", loader: "ts" as const } }),
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    loader: { ".csv": "text" },
    plugins: [nodeBuiltins],
    logLevel: "silent",
  });
  const script = result.outputFiles[0];
  if (script === undefined) throw new Error("bundlePage: esbuild produced no output");
  return script.text;
}
