type Cell = string | number | null;

const text = (c: Cell) => (c === null ? "" : String(c));

/** A plain-text table: columns padded, numbers right-aligned. */
export function formatTable(rows: Cell[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, c] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, text(c).length);
  }
  return rows
    .map((row, r) =>
      row
        .map((c, i) =>
          typeof c === "number" && r > 0 ? text(c).padStart(widths[i]!) : text(c).padEnd(widths[i]!),
        )
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** RFC 4180 CSV. */
export function formatCsv(rows: Cell[][]): string {
  const quote = (c: Cell) => {
    const s = text(c);
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return rows.map((row) => row.map(quote).join(",")).join("\n");
}
