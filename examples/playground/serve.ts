import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { fileURLToPath, pathToFileURL } from "node:url";
import { bundlePage } from "./bundle.js";
import { type RunningServer, servePages } from "./http.js";

/**
 * `npm run playground [-- --port 8080 --host 127.0.0.1]`: bundles the page's script (main.ts and
 * the library, with the data) with esbuild and serves it, cross-origin isolated, until stopped.
 */
export async function startPlayground(o: { port?: number; host?: string } = {}): Promise<RunningServer> {
  const script = await bundlePage({ file: fileURLToPath(new URL("./main.ts", import.meta.url)) });
  const html = readFileSync(new URL("./page.html", import.meta.url), "utf8");
  return servePages(
    {
      "/": { type: "text/html; charset=utf-8", body: html },
      "/playground.js": { type: "text/javascript; charset=utf-8", body: script },
    },
    o,
  );
}

const USAGE = "usage: npm run playground [-- --port 8080] [--host 127.0.0.1]";

/** The command line: the port (0 takes any free one) and the host, or why they are refused. */
export function parsePlaygroundArgs(args: readonly string[]): { port: number; host: string } | { error: string } {
  let values: { port?: string; host?: string };
  try {
    ({ values } = parseArgs({ args: [...args], options: { port: { type: "string", default: "8080" }, host: { type: "string", default: "127.0.0.1" } } }));
  } catch (e) {
    return { error: `${e instanceof Error ? e.message : String(e)}\n${USAGE}` };
  }
  const port = Number(values.port);
  if (!(values.port !== "" && Number.isInteger(port) && port >= 0 && port < 65536)) return { error: `--port must be a port number (0 for any free port), got '${values.port}'\n${USAGE}` };
  return { port, host: values.host ?? "127.0.0.1" };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = parsePlaygroundArgs(process.argv.slice(2));
  if ("error" in args) {
    console.error(`playground: ${args.error}`);
    process.exit(2);
  }
  try {
    const server = await startPlayground(args);
    console.log(`graphgrad playground: ${server.url}  (Ctrl-C stops it)`);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    console.error(code === "EADDRINUSE" ? `playground: port ${args.port} on ${args.host} is in use: choose another with --port (0 takes any free one)` : `playground: ${String(e)}`);
    process.exit(1);
  }
}
