/** @jsxImportSource hono/jsx/dom */
import { useEffect, useMemo, useState } from "hono/jsx/dom";
import { createAdmin } from "../admin.ts";
import { ConsoleError, toConsoleError } from "../errors.ts";
import { parseHash } from "../route.ts";
import { createS3 } from "../s3.ts";
import { clearSession, loadSession, type Session } from "../session.ts";
import { Buckets } from "./buckets.tsx";
import { ErrorBanner } from "./error-banner.tsx";
import { Login } from "./login.tsx";
import { Objects } from "./objects.tsx";
import { Policies } from "./policies.tsx";
import { Users } from "./users.tsx";

export const App = ({ region }: { region: string }) => {
  const [session, setSession] = useState<Session | null>(loadSession());
  const [route, setRoute] = useState(parseHash());
  // Anything unexpected still shows as an error, never as a blank page.
  const [crash, setCrash] = useState<ConsoleError | null>(null);
  const logout = () => { clearSession(); setSession(null); };

  useEffect(() => {
    const onHash = () => setRoute(parseHash());
    const onError = (e: ErrorEvent) => setCrash(toConsoleError(e.error ?? e.message));
    const onRejection = (e: PromiseRejectionEvent) => {
      const err = toConsoleError(e.reason);
      if (err.code === "ExpiredToken" || err.code === "InvalidToken") logout();
      setCrash(err);
    };
    addEventListener("hashchange", onHash);
    addEventListener("error", onError);
    addEventListener("unhandledrejection", onRejection);
    return () => { removeEventListener("hashchange", onHash); removeEventListener("error", onError); removeEventListener("unhandledrejection", onRejection); };
  }, []);
  // Temporary credentials end the session when they expire.
  useEffect(() => {
    if (session?.expiration === undefined) return;
    const t = setTimeout(() => { logout(); setCrash(new ConsoleError("ExpiredToken", "Your session ended.")); }, Math.max(0, session.expiration - Date.now()));
    return () => clearTimeout(t);
  }, [session]);
  const s3 = useMemo(() => (session ? createS3(session, region) : null), [session]);
  const admin = useMemo(() => (session ? createAdmin(session, region) : null), [session]);
  // The admin screens are for sessions the admin API lets in (root, consoleAdmin…): one plain
  // call decides whether they are offered; everyone else sees the file manager only.
  const [isAdmin, setIsAdmin] = useState(false);
  useEffect(() => {
    setIsAdmin(false);
    admin?.listPolicies().then(() => setIsAdmin(true), () => {});
  }, [admin]);

  if (!session || !s3) return <div><ErrorBanner error={crash} onClose={() => setCrash(null)} /><Login region={region} onLogin={(s) => { setCrash(null); setSession(s); }} /></div>;
  return (
    <div class="shell">
      <header class="top">
        <a href="#/" class="brand">s3edge</a>
        {isAdmin ? (
          <nav class="nav" aria-label="Console">
            <a href="#/" aria-current={!route.admin ? "page" : undefined}>Files</a>
            <a href="#/users" aria-current={route.admin === "users" ? "page" : undefined}>Users</a>
            <a href="#/policies" aria-current={route.admin === "policies" ? "page" : undefined}>Policies</a>
          </nav>
        ) : null}
        <span class="muted who" title={session.kind === "sts" ? "temporary credentials" : "long-term credentials, this tab only"}>{session.accessKeyId}</span>
        <button type="button" onClick={() => { logout(); location.hash = "#/"; }}>Log out</button>
      </header>
      <main>
        <ErrorBanner error={crash} onClose={() => setCrash(null)} />
        {route.admin && isAdmin && admin ? (route.admin === "users" ? <Users admin={admin} /> : <Policies admin={admin} />)
          : route.bucket ? <Objects s3={s3} bucket={route.bucket} prefix={route.prefix} /> : <Buckets s3={s3} />}
      </main>
    </div>
  );
};
