function kernelReads(k) {
  switch (k.kind) {
    case "map":
    case "reduce":
      return exprBuffers(k.expr);
    case "matmul":
      return [k.a, k.b, ...k.epilogue === void 0 ? [] : exprBuffers(k.epilogue)];
    case "gather":
      return [k.params, k.indices];
    case "scatterAdd":
      return [k.updates, k.indices];
    case "iota":
      return [];
    case "random":
      return [k.key];
  }
}
function kernelWrites(k) {
  return k.kind === "map" ? k.out.buffer : k.out;
}
function exprLoads(e) {
  if (e.kind === "load") return [e.access];
  if (e.kind === "const" || e.kind === "acc") return [];
  return e.args.flatMap(exprLoads);
}
function exprBuffers(e) {
  return exprLoads(e).map((a) => a.buffer);
}
function mapLoads(e, f) {
  if (e.kind === "load") return f(e);
  return e.kind === "op" ? { ...e, args: e.args.map((a) => mapLoads(a, f)) } : e;
}
export {
  exprBuffers,
  exprLoads,
  kernelReads,
  kernelWrites,
  mapLoads
};
