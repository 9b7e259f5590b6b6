import { type ReactNode, useId } from "react";
import { useScrollable } from "./scrollable.js";

export interface Column<R> {
  label: string;
  value: (row: R) => ReactNode;
  /** Right-aligned, tabular figures. */
  num?: boolean;
}

/**
 * A plain table that scrolls inside its box on narrow screens (the page itself never scrolls sideways).
 * A box that scrolls is a named region in the tab order, so the keyboard can scroll it too.
 */
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
  const captionId = useId();
  const scrollable = useScrollable(
    caption ? { labelledBy: captionId } : { label: `Table of ${columns.map((c) => c.label).join(", ")}` },
  );
  if (rows.length === 0) return <p className="muted">{empty}</p>;
  return (
    <div className="table-wrap" {...scrollable}>
      <table>
        {caption && <caption id={captionId}>{caption}</caption>}
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
