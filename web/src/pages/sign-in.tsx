import { type FormEvent, useEffect, useId, useState } from "react";
import { api } from "../api.js";
import type { Session } from "../session.js";

type Mode = "token" | "password";

/** Sign in with an API token or a user's password; the server answers with a session cookie. */
export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [mode, setMode] = useState<Mode>("token");
  const [token, setToken] = useState("");
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const errorId = useId();
  const tokenId = useId();

  useEffect(() => {
    document.title = "Sign in · Touchpoint";
  }, []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = mode === "token" ? { token: token.trim() } : { user: user.trim(), password };
      onSignedIn(await api<Session>("/api/session", { method: "POST", body }));
    } catch (err) {
      const message = (err as Error).message;
      setError(message.charAt(0).toUpperCase() + message.slice(1));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in" id="main">
      <form className="card sign-in-card" onSubmit={submit} aria-describedby={error ? errorId : undefined}>
        <h1>
          <span className="brand-mark" aria-hidden="true" /> Touchpoint
        </h1>
        <fieldset className="segmented">
          <legend>Sign in with</legend>
          <label>
            <input type="radio" name="mode" checked={mode === "token"} onChange={() => setMode("token")} />
            API token
          </label>
          <label>
            <input
              type="radio"
              name="mode"
              checked={mode === "password"}
              onChange={() => setMode("password")}
            />
            User and password
          </label>
        </fieldset>
        {mode === "token" ? (
          <div className="field">
            <label htmlFor={tokenId}>Token</label>
            <input
              id={tokenId}
              type="password"
              name="token"
              autoComplete="current-password"
              required
              aria-describedby={`${tokenId}-hint`}
              value={token}
              onChange={(e) => setToken(e.target.value)}
            />
            <span className="hint" id={`${tokenId}-hint`}>
              Create one with <code>touchpoint tokens create</code>.
            </span>
          </div>
        ) : (
          <>
            <label className="field">
              User
              <input
                name="user"
                autoComplete="username"
                required
                value={user}
                onChange={(e) => setUser(e.target.value)}
              />
            </label>
            <label className="field">
              Password
              <input
                type="password"
                name="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            </label>
          </>
        )}
        {error && (
          <p className="form-error" id={errorId} role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
