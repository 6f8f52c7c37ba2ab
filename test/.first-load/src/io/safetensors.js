import { right } from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { allocate } from "../../ir/dtype.js";
import { GraphgradError } from "../../ir/errors.js";
import { decodeAt, describeValue, failAt } from "../../ir/json.js";
import { formatShape } from "../../ir/shape.js";
import { Tensor } from "../../ir/tensor.js";
const METADATA_KEY = "__metadata__";
const MAX_HEADER = 1e8;
const TO_FILE = { float32: "F32", float64: "F64", int32: "I32", bool: "BOOL" };
const FROM_FILE = new Map(Object.entries(TO_FILE).map(([d, s]) => [s, d]));
const ITEM_SIZE = { float32: 4, float64: 8, int32: 4, bool: 1 };
const UNSUPPORTED = ["F16", "BF16", "F8_E4M3", "F8_E5M2", "I8", "U8", "I16", "U16", "U32", "I64", "U64", "C64"];
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const NonNegativeInteger = new t.Type(
  "NonNegativeInteger",
  (u) => typeof u === "number" && Number.isSafeInteger(u) && u >= 0,
  (u, c) => typeof u === "number" && Number.isSafeInteger(u) && u >= 0 ? t.success(u) : t.failure(u, c),
  t.identity
);
const TensorInfoCodec = t.type({
  dtype: t.string,
  shape: t.array(NonNegativeInteger),
  data_offsets: t.tuple([NonNegativeInteger, NonNegativeInteger])
});
const MetadataCodec = t.record(t.string, t.string);
function encodeSafetensors(tensors, metadata = {}) {
  const header = {};
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = metadata;
  const data = [];
  let offset = 0;
  for (const [name, tensor] of tensors) {
    if (name === METADATA_KEY || Object.prototype.hasOwnProperty.call(header, name)) {
      throw new GraphgradError("safetensors", `tensor name '${name}' is reserved or repeated`);
    }
    const bytes = littleEndianBytes(tensor);
    header[name] = { dtype: TO_FILE[tensor.dtype], shape: [...tensor.shape], data_offsets: [offset, offset + bytes.length] };
    offset += bytes.length;
    data.push(bytes);
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(32, 8);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return { header: out, data };
}
function littleEndianBytes(tensor) {
  const d = tensor.data;
  if (LITTLE_ENDIAN_HOST || tensor.dtype === "bool") return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  const out = new Uint8Array(d.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (tensor.dtype === "float32") view.setFloat32(4 * i, v, true);
    else if (tensor.dtype === "float64") view.setFloat64(8 * i, v, true);
    else view.setInt32(4 * i, v, true);
  }
  return out;
}
function decodeSafetensors(bytes) {
  if (bytes.length < 8) return failAt([], `truncated: ${bytes.length} bytes, fewer than the 8 of the header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) return failAt([], `truncated or not a safetensors file: the header length ${n} exceeds the ${bytes.length - 8} bytes after it`);
  if (n > BigInt(MAX_HEADER)) return failAt([], `header length ${n} exceeds the ${MAX_HEADER} bytes allowed`);
  const headerLength = Number(n);
  const dataStart = 8 + headerLength;
  let text;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, dataStart));
  } catch {
    return failAt(["header"], "not valid UTF-8");
  }
  if (!text.startsWith("{")) return failAt(["header"], `expected a JSON object starting with '{', got ${describeValue(text.slice(0, 20))}`);
  let raw;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return failAt(["header"], `not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!t.UnknownRecord.is(raw) || Array.isArray(raw)) return failAt(["header"], `expected a JSON object, got ${describeValue(raw)}`);
  let metadata = {};
  const entries = [];
  for (const [name, value] of Object.entries(raw)) {
    const path = ["header", name];
    if (name === METADATA_KEY) {
      const m = decodeAt(MetadataCodec, value, path);
      if (m._tag === "Left") return m;
      metadata = m.right;
      continue;
    }
    const info = decodeAt(TensorInfoCodec, value, path);
    if (info._tag === "Left") return info;
    const { dtype: fileDtype, shape, data_offsets: [begin, end] } = info.right;
    const dtype = FROM_FILE.get(fileDtype);
    if (dtype === void 0) {
      const known = UNSUPPORTED.includes(fileDtype) ? `dtype ${fileDtype} is not supported` : `unknown dtype ${describeValue(fileDtype)}`;
      return failAt([...path, "dtype"], `${known} (graphgrad reads ${[...FROM_FILE.keys()].join(", ")})`);
    }
    if (begin > end) return failAt([...path, "data_offsets"], `begin ${begin} is after end ${end}`);
    const count = shape.reduce((a, b) => a * b, 1);
    const size = count * ITEM_SIZE[dtype];
    if (!Number.isSafeInteger(size) || size !== end - begin) {
      return failAt([...path, "data_offsets"], `${end - begin} bytes for ${fileDtype}${formatShape(shape)}, which needs ${size}`);
    }
    entries.push({ name, dtype, shape, begin, end });
  }
  const dataLength = bytes.length - dataStart;
  const checked = checkLayout(entries, dataLength);
  if (checked._tag === "Left") return checked;
  const tensors = entries.map((e) => [e.name, readTensor(bytes, dataStart, e)]);
  return right({ tensors, metadata: Object.freeze(metadata), dataStart });
}
function checkLayout(entries, dataLength) {
  for (const e of entries) {
    if (e.end > dataLength) return failAt(["header", e.name, "data_offsets"], `truncated: the tensor ends at byte ${e.end} of the data, which has ${dataLength} bytes`);
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  let previous;
  for (const e of sorted) {
    if (e.begin < expected) return failAt(["header", e.name, "data_offsets"], `overlaps tensor '${previous}' (begins at ${e.begin}, before ${expected})`);
    if (e.begin > expected) return failAt(["header", e.name, "data_offsets"], `leaves a gap of ${e.begin - expected} bytes before it (begins at ${e.begin}, expected ${expected})`);
    expected = e.end;
    previous = e.name;
  }
  if (expected !== dataLength) return failAt([], `${dataLength - expected} bytes after the last tensor (the data has ${dataLength} bytes, the tensors cover ${expected})`);
  return right(void 0);
}
function readTensor(bytes, dataStart, e) {
  const count = e.shape.reduce((a, b) => a * b, 1);
  const src = bytes.subarray(dataStart + e.begin, dataStart + e.end);
  const out = allocate(e.dtype, count);
  if (e.dtype === "bool") {
    for (let i = 0; i < count; i++) out[i] = src[i] === 0 ? 0 : 1;
  } else if (LITTLE_ENDIAN_HOST) {
    new Uint8Array(out.buffer).set(src);
  } else {
    const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
    for (let i = 0; i < count; i++) {
      out[i] = e.dtype === "float32" ? view.getFloat32(4 * i, true) : e.dtype === "float64" ? view.getFloat64(8 * i, true) : view.getInt32(4 * i, true);
    }
  }
  return new Tensor(e.dtype, e.shape, out);
}
function errorAt(where, e) {
  const message = e.where === "(root)" || e.where === "" ? e.message.slice(e.where === "" ? 0 : e.where.length + 2) : e.message;
  return new GraphgradError(where, message);
}
export {
  METADATA_KEY,
  decodeSafetensors,
  encodeSafetensors,
  errorAt
};
