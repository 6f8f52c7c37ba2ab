import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A small HTTP server for in-memory pages: a fixed table of paths to bodies, on 127.0.0.1 (or the
 * host given; port 0 takes a free one). Unless `isolated` is false, every response carries
 * Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp, which
 * make the page cross-origin isolated: browsers then allow SharedArrayBuffer, and graphgrad's WASM
 * backend can share its memory with worker threads.
 */
export interface PageFile {
  readonly type: string;
  readonly body: string;
}

export interface RunningServer {
  readonly url: string;
  close(): Promise<void>;
}

export const ISOLATION_HEADERS = { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" } as const;

export async function servePages(files: Readonly<Record<string, PageFile>>, o: { port?: number; host?: string; isolated?: boolean } = {}): Promise<RunningServer> {
  const host = o.host ?? "127.0.0.1";
  const isolation = o.isolated === false ? {} : ISOLATION_HEADERS;
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const file = files[path];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
    } else if (file === undefined) {
      res.writeHead(404, { "content-type": "text/plain", ...isolation }).end(`not found: ${path}`);
    } else {
      res.writeHead(200, { "content-type": file.type, "cache-control": "no-store", ...isolation });
      res.end(req.method === "HEAD" ? undefined : file.body);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e === undefined ? resolve() : reject(e)));
        server.closeAllConnections();
      }),
  };
}
