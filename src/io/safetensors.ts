import { type Either, right } from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import type { DType } from "../../ir/dtype.js";
import { GraphgradError } from "../../ir/errors.js";
import { decodeAt, describeValue, failAt } from "../../ir/json.js";
import { formatShape } from "../../ir/shape.js";
import { Tensor } from "../../ir/tensor.js";
import { FILE_DTYPES, type FileDType, REFUSED_DTYPES } from "./safetensors-dtypes.js";

/**
 * The safetensors format (https://github.com/huggingface/safetensors): an unsigned 64-bit
 * little-endian header length N, N bytes of JSON
 *   { "<name>": { "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] }, ...,
 *     "__metadata__": { "<key>": "<string>" } }
 * padded with spaces, then the tensors' bytes, little-endian, row-major, packed back to back with
 * offsets relative to the end of the header. graphgrad writes F32, F64, I32 and BOOL, and reads
 * the format's other numeric dtypes too, converted (see safetensors-dtypes.ts).
 */

export const METADATA_KEY = "__metadata__";
/** The largest header accepted (as the reference implementation: 100 MB). */
const MAX_HEADER = 100_000_000;

const TO_FILE: Readonly<Record<DType, string>> = { float32: "F32", float64: "F64", int32: "I32", bool: "BOOL" };

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const NonNegativeInteger = new t.Type<number, number, unknown>(
  "NonNegativeInteger",
  (u): u is number => typeof u === "number" && Number.isSafeInteger(u) && u >= 0,
  (u, c) => (typeof u === "number" && Number.isSafeInteger(u) && u >= 0 ? t.success(u) : t.failure(u, c)),
  t.identity,
);

const TensorInfoCodec = t.type({
  dtype: t.string,
  shape: t.array(NonNegativeInteger),
  data_offsets: t.tuple([NonNegativeInteger, NonNegativeInteger]),
});
const MetadataCodec = t.record(t.string, t.string);

export interface Encoded {
  /** The length prefix, the JSON header and its padding. */
  readonly header: Uint8Array;
  /** The tensors' bytes, in header order (views on the tensors' data where the host is little-endian). */
  readonly data: readonly Uint8Array[];
}

/** A file's bytes in pieces, ready to write. Names must be unique and not `__metadata__`. */
export function encodeSafetensors(tensors: readonly (readonly [string, Tensor])[], metadata: Readonly<Record<string, string>> = {}): Encoded {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = metadata;
  const data: Uint8Array[] = [];
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
  // Pad the header with spaces so the data starts 8-byte aligned (the format allows trailing spaces).
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20, 8);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return { header: out, data };
}

/** A tensor's elements as little-endian bytes. */
function littleEndianBytes(tensor: Tensor): Uint8Array {
  const d = tensor.data;
  if (LITTLE_ENDIAN_HOST || tensor.dtype === "bool") return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  const out = new Uint8Array(d.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < d.length; i++) {
    const v = d[i] as number;
    if (tensor.dtype === "float32") view.setFloat32(4 * i, v, true);
    else if (tensor.dtype === "float64") view.setFloat64(8 * i, v, true);
    else view.setInt32(4 * i, v, true);
  }
  return out;
}

export interface Decoded {
  /** The tensors in header order (each with its own copy of the data). */
  readonly tensors: readonly (readonly [string, Tensor])[];
  readonly metadata: Readonly<Record<string, string>>;
  /** 8 + the header length: where the data starts. */
  readonly dataStart: number;
}

/** A tensor of the header: its dtype in the file and how it is read, its shape and byte range in the data. */
export interface Entry {
  readonly name: string;
  readonly fileDtype: string;
  readonly format: FileDType;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

export interface Header {
  readonly entries: readonly Entry[];
  readonly metadata: Readonly<Record<string, string>>;
  /** 8 + the header length: where the data starts. */
  readonly dataStart: number;
}

/** The header length, from the file's first 8 bytes, checked against the file's size. */
export function headerLength(first: Uint8Array, fileSize: number): Either<GraphgradError, number> {
  if (fileSize < 8 || first.length < 8) return failAt([], `truncated: ${fileSize} bytes, fewer than the 8 of the header length`);
  const n = new DataView(first.buffer, first.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(fileSize - 8)) return failAt([], `truncated or not a safetensors file: the header length ${n} exceeds the ${fileSize - 8} bytes after it`);
  if (n > BigInt(MAX_HEADER)) return failAt([], `header length ${n} exceeds the ${MAX_HEADER} bytes allowed`);
  return right(Number(n));
}

/**
 * Parses and validates the header (the JSON bytes after the length) of a file of `fileSize` bytes:
 * the JSON (io-ts: the path of a bad field), the dtypes, each tensor's byte size against
 * dtype·shape, and the offsets: in range, contiguous, non-overlapping, covering the data exactly.
 */
export function parseHeader(json: Uint8Array, fileSize: number): Either<GraphgradError, Header> {
  const dataStart = 8 + json.length;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(json);
  } catch {
    return failAt(["header"], "not valid UTF-8");
  }
  if (!text.startsWith("{")) return failAt(["header"], `expected a JSON object starting with '{', got ${describeValue(text.slice(0, 20))}`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return failAt(["header"], `not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!t.UnknownRecord.is(raw) || Array.isArray(raw)) return failAt(["header"], `expected a JSON object, got ${describeValue(raw)}`);

  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
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
    const format = FILE_DTYPES.get(fileDtype);
    if (format === undefined) {
      const known = REFUSED_DTYPES.includes(fileDtype) ? `dtype ${fileDtype} is not supported` : `unknown dtype ${describeValue(fileDtype)}`;
      return failAt([...path, "dtype"], `${known} (graphgrad reads ${[...FILE_DTYPES.keys()].join(", ")})`);
    }
    if (begin > end) return failAt([...path, "data_offsets"], `begin ${begin} is after end ${end}`);
    const size = shape.reduce((a, b) => a * b, 1) * format.itemSize;
    if (!Number.isSafeInteger(size) || size !== end - begin) {
      return failAt([...path, "data_offsets"], `${end - begin} bytes for ${fileDtype}${formatShape(shape)}, which needs ${size}`);
    }
    entries.push({ name, fileDtype, format, shape, begin, end });
  }
  const checked = checkLayout(entries, fileSize - dataStart);
  if (checked._tag === "Left") return checked;
  return right({ entries, metadata: Object.freeze(metadata), dataStart });
}

/** Parses and validates a whole file in memory (see `parseHeader`). Never throws. */
export function decodeSafetensors(bytes: Uint8Array): Either<GraphgradError, Decoded> {
  const n = headerLength(bytes.subarray(0, 8), bytes.length);
  if (n._tag === "Left") return n;
  const header = parseHeader(bytes.subarray(8, 8 + n.right), bytes.length);
  if (header._tag === "Left") return header;
  const { entries, metadata, dataStart } = header.right;
  const tensors: (readonly [string, Tensor])[] = [];
  for (const e of entries) {
    const tensor = decodeTensor(e, bytes.subarray(dataStart + e.begin, dataStart + e.end));
    if (tensor._tag === "Left") return tensor;
    tensors.push([e.name, tensor.right]);
  }
  return right({ tensors, metadata, dataStart });
}

/** Offsets in range, contiguous, non-overlapping, and covering the data exactly. */
function checkLayout(entries: readonly Entry[], dataLength: number): Either<GraphgradError, void> {
  for (const e of entries) {
    if (e.end > dataLength) return failAt(["header", e.name, "data_offsets"], `truncated: the tensor ends at byte ${e.end} of the data, which has ${dataLength} bytes`);
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  let previous: string | undefined;
  for (const e of sorted) {
    if (e.begin < expected) return failAt(["header", e.name, "data_offsets"], `overlaps tensor '${previous}' (begins at ${e.begin}, before ${expected})`);
    if (e.begin > expected) return failAt(["header", e.name, "data_offsets"], `leaves a gap of ${e.begin - expected} bytes before it (begins at ${e.begin}, expected ${expected})`);
    expected = e.end;
    previous = e.name;
  }
  if (expected !== dataLength) return failAt([], `${dataLength - expected} bytes after the last tensor (the data has ${dataLength} bytes, the tensors cover ${expected})`);
  return right(undefined);
}

/** A tensor with its own, aligned copy of its bytes `raw`, converted to a graphgrad dtype (see safetensors-dtypes.ts). */
export function decodeTensor(e: Entry, raw: Uint8Array): Either<GraphgradError, Tensor> {
  const count = e.shape.reduce((a, b) => a * b, 1);
  const data = e.format.decode(raw, count);
  if (!ArrayBuffer.isView(data)) {
    return failAt([], `tensor '${e.name}' (${e.fileDtype}${formatShape(e.shape)}): value ${data.value} at index ${data.index} does not fit int32, graphgrad's integer dtype`);
  }
  return right(new Tensor(e.format.dtype, e.shape, data));
}

/** Re-reports an error at a boundary (a file path) with its message. */
export function errorAt(where: string, e: GraphgradError): GraphgradError {
  // A problem with the file as a whole carries no path of its own.
  const message = e.where === "(root)" || e.where === "" ? e.message.slice(e.where === "" ? 0 : e.where.length + 2) : e.message;
  return new GraphgradError(where, message);
}
