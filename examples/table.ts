/** A plain-text table with aligned columns (numbers right-aligned), one string per line. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((h, c) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[c] ?? ""))));
  const numeric = headers.map((_, c) => rows.length > 0 && rows.every((r) => /^[-+]?[\d.]+(e[-+]?\d+)?$|^—$/.test(r[c] ?? "")));
  const pad = (s: string, c: number): string => {
    const fill = " ".repeat((widths[c] as number) - displayWidth(s));
    return numeric[c] === true ? fill + s : s + fill;
  };
  const line = (cells: readonly string[]): string => `| ${cells.map((s, c) => pad(s, c)).join(" | ")} |`;
  return [line(headers), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)];
}

/** Characters shown, not counting combining marks (the hat of m̂ takes no column). */
function displayWidth(s: string): number {
  return [...s.normalize("NFD").replace(/[\u0300-\u036f]/g, "")].length;
}
