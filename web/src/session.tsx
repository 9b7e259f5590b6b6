import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { type ApiError, api, whenUnauthorized } from "./api.js";
import { ErrorState, Loading } from "./components/states.js";
import { SignIn } from "./pages/sign-in.js";

/** Who is signed in, as `GET /api/session` answers. */
export interface Session {
  actor: string;
  role: string;
}

interface SessionState {
  session: Session;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error("useSession outside <SessionGate>");
  return state;
}

/**
 * Shows the sign-in form until there is a session (an httpOnly cookie the server sets), then the
 * dashboard at the URL the user asked for, so a shared link opens its view after signing in.
 */
export function SessionGate({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null | "checking">("checking");
  const [error, setError] = useState<ApiError | null>(null);

  const check = useCallback(() => {
    setError(null);
    setSession("checking");
    api<Session>("/api/session").then(setSession, (err: ApiError) => {
      if (err.status === 401) setSession(null);
      else setError(err);
    });
  }, []);

  useEffect(() => {
    whenUnauthorized(() => setSession(null));
    check();
  }, [check]);

  const signOut = useCallback(async () => {
    await api<void>("/api/session", { method: "DELETE" }).catch(() => {});
    setSession(null);
  }, []);

  const value = useMemo(
    () => (session && session !== "checking" ? { session, signOut } : null),
    [session, signOut],
  );

  if (error)
    return (
      <main className="center">
        <ErrorState error={error} retry={check} />
      </main>
    );
  if (session === "checking") return <Loading label="Checking your session" />;
  if (!value) return <SignIn onSignedIn={setSession} />;
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
