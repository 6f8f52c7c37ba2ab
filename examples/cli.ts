import { parseArgs, type ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;
/** What parseArgs returns as values for `options` (strict, no positionals). */
type Values<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; strict: true; allowPositionals: false; options: O }>>["values"];

/**
 * The pieces the examples' command lines share (`npm run ptb|mnist|char-transformer -- ...`):
 * strict parsing, integer and number checks, the backend choice; every error ends with the
 * example's usage text.
 */
export function commandLine(usage: string) {
  const fail = (message: string): never => {
    throw new Error(`${message}\n\n${usage}`);
  };
  return {
    fail,
    /** The values of `argv` (no positionals; an unknown flag is an error). */
    parse<O extends Options>(argv: readonly string[], options: O): Values<O> {
      try {
        return parseArgs({ args: [...argv], strict: true, allowPositionals: false, options }).values;
      } catch (e) {
        return fail(e instanceof Error ? e.message : String(e));
      }
    },
    /** `--name N`: an integer in [min, max], or undefined when absent. */
    integer(name: string, value: string | undefined, min: number, max = 2 ** 31 - 1): number | undefined {
      if (value === undefined) return undefined;
      if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) fail(`--${name} must be an integer in [${min}, ${max}], got '${value}'`);
      return Number(value);
    },
    /** `--name X`: a finite number above 0. */
    positive(name: string, value: string): number {
      const x = Number(value);
      if (!(Number.isFinite(x) && x > 0)) fail(`--${name} must be a positive number, got '${value}'`);
      return x;
    },
    /** `--backend wasm|js`. */
    backend(value: string): "wasm" | "js" {
      return value === "wasm" || value === "js" ? value : fail(`--backend must be wasm or js, got '${value}'`);
    },
  };
}
