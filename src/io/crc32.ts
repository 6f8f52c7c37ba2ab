/**
 * Table-driven reflected CRC-32s: CRC-32 (IEEE 802.3, polynomial 0xEDB88320, as zlib and PNG) and
 * CRC-32C (Castagnoli, polynomial 0x82F63B78, as iSCSI and TFRecord files).
 */

function tableOf(polynomial: number): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? polynomial ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

const IEEE = tableOf(0xedb88320);
const CASTAGNOLI = tableOf(0x82f63b78);

function update(table: Uint32Array, chunks: readonly Uint8Array[], crc: number): number {
  let c = ~crc >>> 0;
  for (const bytes of chunks) {
    for (let i = 0; i < bytes.length; i++) c = (table[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  }
  return ~c >>> 0;
}

/** The CRC-32 of the concatenation of `chunks` (continue from `crc` to checksum more data). */
export function crc32(chunks: readonly Uint8Array[], crc = 0): number {
  return update(IEEE, chunks, crc);
}

/** The CRC-32C of the concatenation of `chunks` (continue from `crc` to checksum more data). */
export function crc32c(chunks: readonly Uint8Array[], crc = 0): number {
  return update(CASTAGNOLI, chunks, crc);
}
