import { crc32c } from "../io/crc32.js";

/**
 * TFRecord framing, the container of TensorBoard event files: each record is
 *   uint64 length (little-endian) · uint32 masked CRC-32C of those 8 bytes · the data · uint32 masked CRC-32C of the data
 * where masking rotates the CRC right by 15 bits and adds 0xa282ead8 (mod 2^32), so that a CRC of
 * data that itself holds CRCs does not look like one.
 */

export function maskedCrc32c(bytes: Uint8Array): number {
  const c = crc32c([bytes]);
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
}

/** One record: the framed bytes of `data`. */
export function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 4 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}
