import { readFileSync } from "node:fs";

/** A numeric CSV: its header and one array of numbers per data row. */
export interface NumericCsv {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly number[])[];
}

/**
 * Parses a comma-separated file whose first line is a header and whose other lines are numbers
 * (blank lines ignored). Throws naming the line of a malformed row or value.
 */
export function parseNumericCsv(text: string, where = "csv"): NumericCsv {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const header = lines[0];
  if (header === undefined) throw new Error(`${where}: empty file`);
  const columns = header.split(",").map((c) => c.trim());
  const rows = lines.slice(1).map((line, i) => {
    const cells = line.split(",");
    if (cells.length !== columns.length) throw new Error(`${where}:${i + 2}: ${cells.length} cells, expected ${columns.length}`);
    return cells.map((c) => {
      const v = Number(c.trim());
      if (c.trim() === "" || !Number.isFinite(v)) throw new Error(`${where}:${i + 2}: '${c}' is not a number`);
      return v;
    });
  });
  return { columns, rows };
}

export function readNumericCsv(path: string): NumericCsv {
  return parseNumericCsv(readFileSync(path, "utf8"), path);
}

/** The given columns of a parsed CSV, row by row, in the order asked. */
export function selectColumns(csv: NumericCsv, names: readonly string[]): number[][] {
  const idx = names.map((n) => {
    const i = csv.columns.indexOf(n);
    if (i < 0) throw new Error(`csv: no column '${n}' (columns: ${csv.columns.join(", ")})`);
    return i;
  });
  return csv.rows.map((r) => idx.map((i) => r[i] as number));
}
