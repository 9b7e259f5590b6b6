import type { ReactNode } from "react";

export interface Column<R> {
  label: string;
  value: (row: R) => ReactNode;
  /** Right-aligned, tabular figures. */
  num?: boolean;
}

/** A plain table that scrolls inside its box on narrow screens (the page itself never scrolls sideways). */
export function Table<R>({
  caption,
  columns,
  rows,
  rowKey,
  empty = "Nothing to show.",
}: {
  caption?: ReactNode;
  columns: Column<R>[];
  rows: R[];
  rowKey: (row: R, index: number) => string;
  empty?: ReactNode;
}) {
  if (rows.length === 0) return <p className="muted">{empty}</p>;
  return (
    // Chromium lets the keyboard scroll a box that scrolls: no tabindex needed.
    <div className="table-wrap">
      <table>
        {caption && <caption>{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.label} scope="col" className={c.num ? "num" : undefined}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={rowKey(r, i)}>
              {columns.map((c) => (
                <td key={c.label} className={c.num ? "num" : undefined}>
                  {c.value(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
