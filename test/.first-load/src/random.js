import { add, constant, mul, prim, reshape, slice } from "./ops.js";
function key(seed) {
  const hi = Math.floor(seed / 2 ** 32);
  return constant([hi | 0, seed >>> 0 | 0], "int32");
}
function split(k, n = 2) {
  const bits = prim("random", [k], { shape: [n, 2], dtype: "int32", dist: "bits" });
  return Array.from({ length: n }, (_, i) => reshape(slice(bits, [i, 0], [1, 2]), [2]));
}
function uniform(k, shape, options = {}) {
  const { dtype = "float32", minval = 0, maxval = 1 } = options;
  const u = prim("random", [k], { shape, dtype, dist: "uniform" });
  return minval === 0 && maxval === 1 ? u : add(mul(u, maxval - minval), minval);
}
function normal(k, shape, options = {}) {
  const { dtype = "float32", mean = 0, stddev = 1 } = options;
  const z = prim("random", [k], { shape, dtype, dist: "normal" });
  return mean === 0 && stddev === 1 ? z : add(mul(z, stddev), mean);
}
export {
  key,
  normal,
  split,
  uniform
};
