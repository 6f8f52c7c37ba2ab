import * as arg from "./args.js";
import type { CompileOptions } from "./compile.js";
import type { Expr } from "./expr.js";

/** The argument checks of `compile` (kept apart from compile.ts, which only calls them). */
export function checkCompileArgs(spec: { readonly outputs: Readonly<Record<string, Expr>> }, options: CompileOptions): void {
  arg.record("compile", spec, "the spec ({ outputs })");
  arg.exprRecord("compile", spec.outputs, "outputs");
  arg.record("compile", options, "the options");
  arg.optionalBoolean("compile", options.debugNonFinite, "debugNonFinite");
  if (options.passes !== undefined) {
    arg.array("compile", options.passes, "passes");
    options.passes.forEach((p, i) => arg.func("compile", p, `passes[${i}]`));
  }
  if (options.feedback !== undefined) {
    arg.record("compile", options.feedback, "feedback");
    for (const [k, v] of Object.entries(options.feedback)) arg.string("compile", v, `feedback['${k}']`);
  }
}
