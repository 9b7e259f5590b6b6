import type { ReactNode } from "react";

/** Headline numbers in a row of tiles. */
export function StatRow({ children }: { children: ReactNode }) {
  return <dl className="stats">{children}</dl>;
}

export function Stat({ label, value, hint }: { label: string; value: ReactNode; hint?: ReactNode }) {
  return (
    <div className="stat">
      <dt>{label}</dt>
      <dd>{value}</dd>
      {hint && <dd className="hint">{hint}</dd>}
    </div>
  );
}
