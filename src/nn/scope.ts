import type { DType } from "../../ir/dtype.js";
import { GraphgradError } from "../../ir/errors.js";
import type { Initializer } from "./init.js";
import { createParam, type Param } from "./params.js";

/**
 * Where parameters are created: a path of names, `enc/block1/attn`. A scope is an immutable
 * value passed explicitly to the code that builds a model (no registry, no global state): a
 * layer's parameter helper given `scope.child("attn")` names its parameters `enc/block1/attn/wq`,
 * ... — so a model's names come from the code that builds it, and the same function called under
 * two scopes creates two disjoint sets of parameters. Every parameter helper of `gg.nn` takes a
 * scope wherever it takes a name prefix (a string is a prefix as it is).
 */
export interface Scope {
  /** The path, names joined by "/". */
  readonly path: string;
  /** The scope `${path}/${name}` (a name is non-empty, without "/"). */
  child(name: string): Scope;
  /** The full name of `name` in this scope: `${path}/${name}`. */
  name(name: string): string;
  /** A parameter named `${path}/${name}`, with its spec (see `createParam`). */
  param(name: string, shape: readonly number[], init: Initializer, dtype?: DType): Param;
}

/** A name prefix: a string, or a scope (its path). */
export type Prefix = string | Scope;

function checkName(name: string, where: string): string {
  if (typeof name !== "string" || name === "" || name.includes("/")) {
    throw new GraphgradError(where, `a scope or parameter name must be a non-empty string without "/", got ${JSON.stringify(name)}`);
  }
  return name;
}

function scopeAt(path: string): Scope {
  const self: Scope = {
    path,
    child: (name) => scopeAt(`${path}/${checkName(name, `nn.scope '${path}'`)}`),
    name: (name) => `${path}/${checkName(name, `nn.scope '${path}'`)}`,
    param: (name, shape, init, dtype) => createParam(self.name(name), shape, init, dtype),
  };
  return Object.freeze(self);
}

/** The root scope `name` (or a path `a/b`, each part a valid name). */
export function scope(name: string): Scope {
  if (typeof name !== "string") throw new GraphgradError("nn.scope", `the name must be a string, got ${typeof name}`);
  name.split("/").forEach((part) => checkName(part, "nn.scope"));
  return scopeAt(name);
}

/** Throws unless `p` is a name prefix: a string or a scope. */
export function checkPrefix(where: string, p: unknown): asserts p is Prefix {
  const ok = typeof p === "string" || (typeof p === "object" && p !== null && typeof (p as { path?: unknown }).path === "string");
  if (!ok) throw new GraphgradError(where, `the prefix must be a string or a scope (gg.nn.scope), got ${p === null ? "null" : typeof p}`);
}

/** The name prefix a `Prefix` stands for. */
export function prefixOf(p: Prefix): string {
  return typeof p === "string" ? p : p.path;
}
