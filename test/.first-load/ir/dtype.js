import * as t from "io-ts";
const DTYPES = ["bool", "int32", "float32", "float64"];
const DTypeCodec = t.keyof({ bool: null, int32: null, float32: null, float64: null }, "DType");
function isFloat(d) {
  return d === "float32" || d === "float64";
}
function isNumeric(d) {
  return d !== "bool";
}
function promote(a, b) {
  return DTYPES.indexOf(a) >= DTYPES.indexOf(b) ? a : b;
}
const DTYPE_SHORT = { bool: "bool", int32: "i32", float32: "f32", float64: "f64" };
function allocate(d, n) {
  switch (d) {
    case "float32":
      return new Float32Array(n);
    case "float64":
      return new Float64Array(n);
    case "int32":
      return new Int32Array(n);
    case "bool":
      return new Uint8Array(n);
  }
}
function roundTo(d, v) {
  switch (d) {
    case "float32":
      return Math.fround(v);
    case "float64":
      return v;
    case "int32":
      return v | 0;
    case "bool":
      return v !== 0 && !Number.isNaN(v) ? 1 : 0;
  }
}
export {
  DTYPES,
  DTYPE_SHORT,
  DTypeCodec,
  allocate,
  isFloat,
  isNumeric,
  promote,
  roundTo
};
