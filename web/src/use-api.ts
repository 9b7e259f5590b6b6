import { useCallback, useEffect, useMemo, useState } from "react";
import { ApiError, api, withQuery } from "./api.js";
import { isFilterError, useFilterError, useFilters } from "./filters.js";

export type Loaded<T> =
  | { status: "loading"; data?: undefined; error?: undefined }
  | { status: "error"; error: ApiError; data?: undefined }
  | { status: "ok"; data: T; error?: undefined };

/**
 * GETs `path` (null: nothing yet), again whenever it changes, every `pollMs` when given, and on reload().
 * While polling, the last answer stays on screen during the next request.
 */
export function useApi<T>(path: string | null, pollMs?: number): Loaded<T> & { reload: () => void } {
  const [state, setState] = useState<Loaded<T>>({ status: "loading" });
  const [round, setRound] = useState(0);
  const reload = useCallback(() => setRound((n) => n + 1), []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `round` is how reload() re-runs the request.
  useEffect(() => {
    if (path === null) return;
    const abort = new AbortController();
    if (!pollMs) setState({ status: "loading" });
    api<T>(path, { signal: abort.signal }).then(
      (data) => setState({ status: "ok", data }),
      (err: unknown) => {
        if (abort.signal.aborted) return;
        setState({ status: "error", error: err instanceof ApiError ? err : new ApiError(0, String(err)) });
      },
    );
    const timer = pollMs ? setTimeout(reload, pollMs) : undefined;
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [path, pollMs, round, reload]);

  return useMemo(() => ({ ...state, reload }), [state, reload]);
}

/**
 * A report (`GET /api/<kind>`) under the global filter, plus its own parameters. A filter the server
 * rejects is reported to the filter bar, which shows the message beside the field.
 */
export function useReport<T>(
  kind: string,
  params: Record<string, string | number | undefined> = {},
): Loaded<T> & { reload: () => void } {
  const [filters] = useFilters();
  const path = withQuery(`/api/${kind}`, { ...filters, ...params });
  const result = useApi<T>(path);
  const { report } = useFilterError();
  useEffect(() => {
    if (result.status === "ok") report(null);
    else if (result.status === "error" && isFilterError(result.error.status, result.error.message))
      report(result.error.message);
  }, [result.status, result.error, report]);
  return result;
}
