import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from "react";
import { useSearchParams } from "wouter";

/**
 * The global filter, kept in the URL query so a view can be shared by link. The names and meanings are
 * the API's: `from` inclusive, `to` exclusive (YYYY-MM-DD), `segment` an expression over customers.
 */
export interface Filters {
  from: string;
  to: string;
  segment: string;
}

export const FILTER_KEYS = ["from", "to", "segment"] as const;

/**
 * The query string as it is now. Setters start from it rather than from their render's copy, so several
 * parameters set one after the other (a form with many fields) all stay.
 */
const current = () => new URLSearchParams(window.location.search);

export function useFilters(): [Filters, (next: Filters) => void] {
  const [params, setParams] = useSearchParams();
  const filters = useMemo(
    () => ({
      from: params.get("from") ?? "",
      to: params.get("to") ?? "",
      segment: params.get("segment") ?? "",
    }),
    [params],
  );
  const set = useCallback(
    (next: Filters) =>
      setParams(() => {
        const q = current();
        for (const k of FILTER_KEYS) {
          const v = next[k].trim();
          if (v) q.set(k, v);
          else q.delete(k);
        }
        return q;
      }),
    [setParams],
  );
  return [filters, set];
}

/** The filter's part of a query string ("?from=…&segment=…" or ""), for links between pages. */
export function useFilterQuery(): string {
  const [filters] = useFilters();
  const q = new URLSearchParams();
  for (const k of FILTER_KEYS) if (filters[k]) q.set(k, filters[k]);
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** One page parameter kept in the URL beside the filter (a model, a grouping…), so it is shared too. */
export function useQueryParam(name: string, fallback: string): [string, (value: string) => void] {
  const [params, setParams] = useSearchParams();
  const value = params.get(name) ?? fallback;
  const set = useCallback(
    (v: string) =>
      setParams(
        () => {
          const q = current();
          if (v === fallback || v === "") q.delete(name);
          else q.set(name, v);
          return q;
        },
        { replace: true },
      ),
    [name, fallback, setParams],
  );
  return [value, set];
}

/** The API's answer to a bad filter, shown beside the filter rather than on each page. */
interface FilterErrorState {
  error: string | null;
  report: (message: string | null) => void;
}

const FilterErrorContext = createContext<FilterErrorState>({ error: null, report: () => {} });

export function FilterErrorProvider({ children }: { children: ReactNode }) {
  const [error, setError] = useState<string | null>(null);
  const value = useMemo(() => ({ error, report: setError }), [error]);
  return <FilterErrorContext.Provider value={value}>{children}</FilterErrorContext.Provider>;
}

export const useFilterError = () => useContext(FilterErrorContext);

/** Whether an API 400 is about the global filter (the server names the parameter first). */
export const isFilterError = (status: number, message: string) =>
  status === 400 && /^(segment|from|to)\b/.test(message);
