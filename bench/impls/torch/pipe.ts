import { spawn } from "node:child_process";

/**
 * The harness's end of the pipe to a Python worker (see wire.py): one JSON message per line, each
 * optionally followed by the raw bytes its "bytes" field counts. Requests go one at a time; each
 * resolves with the next reply.
 */
export interface Reply {
  readonly message: Readonly<Record<string, unknown>>;
  readonly bytes: Buffer | undefined;
}

export interface PythonPipe {
  /** The first message the worker printed (before any request). */
  readonly hello: Reply;
  request(message: Readonly<Record<string, unknown>>, payload?: readonly Uint8Array[]): Promise<Reply>;
}

/** Splits the worker's stdout into replies: a header line, then its bytes. */
export class ReplyReader {
  private chunks: Buffer[] = [];
  private total = 0;
  private header: { message: Record<string, unknown>; size: number } | undefined;

  constructor(private readonly deliver: (r: Reply) => void) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.total += chunk.length;
    for (;;) {
      if (this.header === undefined) {
        const buf = Buffer.concat(this.chunks);
        const nl = buf.indexOf(10);
        this.chunks = [buf];
        if (nl < 0) return;
        const message = JSON.parse(buf.subarray(0, nl).toString("utf8")) as Record<string, unknown>;
        this.header = { message, size: typeof message["bytes"] === "number" ? message["bytes"] : 0 };
        this.chunks = [buf.subarray(nl + 1)];
        this.total = buf.length - nl - 1;
      }
      if (this.total < this.header.size) return;
      const buf = Buffer.concat(this.chunks);
      const { message, size } = this.header;
      this.header = undefined;
      this.chunks = [buf.subarray(size)];
      this.total = buf.length - size;
      this.deliver({ message, bytes: size > 0 ? Buffer.from(buf.subarray(0, size)) : undefined });
    }
  }
}

/** Starts `python script ...args` and waits for its hello. Its stderr goes to this process's stderr. */
export function startPython(python: string, script: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Promise<PythonPipe> {
  const child = spawn(python, [script, ...args], { cwd, env, stdio: ["pipe", "pipe", "inherit"] });
  const waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  let ended: Error | undefined;
  const fail = (e: Error): void => {
    ended ??= e;
    for (const w of waiting.splice(0)) w.reject(e);
  };
  const reader = new ReplyReader((r) => waiting.shift()?.resolve(r));
  child.stdout.on("data", (chunk: Buffer) => reader.push(chunk));
  child.on("error", (e) => fail(new Error(`cannot start ${python}: ${e.message}`)));
  child.on("close", (code, signal) => fail(new Error(`${python} ${script} exited (${signal ?? `code ${code ?? "?"}`}) without answering`)));
  child.stdin.on("error", () => undefined); // a dead worker is reported by "exit"
  const next = (): Promise<Reply> =>
    new Promise((resolve, reject) => {
      if (ended !== undefined) reject(ended);
      else waiting.push({ resolve, reject });
    });
  const write = (data: Uint8Array): Promise<void> => new Promise((resolve) => child.stdin.write(data, () => resolve()));
  return next().then((hello) => ({
    hello,
    request: async (message, payload = []) => {
      const bytes = payload.reduce((n, p) => n + p.byteLength, 0);
      const reply = next();
      await write(Buffer.from(`${JSON.stringify(payload.length > 0 ? { ...message, bytes } : message)}\n`));
      for (const p of payload) await write(p);
      return reply;
    },
  }));
}
