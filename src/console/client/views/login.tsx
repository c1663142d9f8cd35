/** @jsxImportSource hono/jsx/dom */
import { useState } from "hono/jsx/dom";
import { type ConsoleError, toConsoleError } from "../errors.ts";
import { login, type Session } from "../session.ts";
import { ErrorBanner } from "./error-banner.tsx";

export const Login = ({ region, onLogin }: { region: string; onLogin: (s: Session) => void }) => {
  const [error, setError] = useState<ConsoleError | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    setBusy(true);
    setError(null);
    try {
      onLogin(await login(String(form.get("accessKey") ?? ""), String(form.get("secretKey") ?? ""), region));
    } catch (err) {
      setError(toConsoleError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">s3edge</h1>
        <label for="accessKey">Access key</label>
        <input id="accessKey" name="accessKey" autocomplete="username" required autofocus />
        <label for="secretKey">Secret key</label>
        <input id="secretKey" name="secretKey" type="password" autocomplete="current-password" required />
        <button type="submit" disabled={busy}>{busy ? "Logging in…" : "Log in"}</button>
        <p class="muted login-note">Your key is exchanged for temporary credentials, kept for this tab. The root key,
          which cannot have them, stays in this page's memory only: reloading the page asks you to log in again.</p>
        <ErrorBanner error={error} />
      </form>
    </main>
  );
};
