import type { ReactNode } from "react";
import type { ApiError } from "../api.js";

export function Loading({ label = "Loading" }: { label?: string }) {
  return (
    <div className="state loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}…
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state empty">
      <p className="state-title">{title}</p>
      {children && <div>{children}</div>}
    </div>
  );
}

export function ErrorState({ error, retry }: { error: ApiError; retry?: () => void }) {
  const title =
    error.status === 403
      ? "Not allowed"
      : error.status === 400
        ? "The request was not accepted"
        : error.status === 0
          ? "No connection"
          : "Something went wrong";
  return (
    <div className="state error" role="alert">
      <p className="state-title">{title}</p>
      <p>{error.message}</p>
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}
