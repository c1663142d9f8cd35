/** @jsxImportSource hono/jsx/dom */
import { useEffect, useMemo, useState } from "hono/jsx/dom";
import { type Admin, createAdmin } from "../admin.ts";
import { ConsoleError, toConsoleError } from "../errors.ts";
import { ADMIN_SCREENS, type AdminScreen, parseHash } from "../route.ts";
import { createS3, type S3 } from "../s3.ts";
import { clearSession, loadSession, type Session } from "../session.ts";
import { Buckets } from "./buckets.tsx";
import { ErrorBanner } from "./error-banner.tsx";
import { Login } from "./login.tsx";
import { Objects } from "./objects.tsx";
import { Events } from "./events.tsx";
import { Groups } from "./groups.tsx";
import { Policies } from "./policies.tsx";
import { ServiceAccounts } from "./service-accounts.tsx";
import { Users } from "./users.tsx";

const SCREENS = { users: ["Users", Users], groups: ["Groups", Groups], policies: ["Policies", Policies], keys: ["Service accounts", ServiceAccounts], events: ["Events", Events] } as const;

const screen = (k: AdminScreen, admin: Admin, s3: S3) => {
  const View = SCREENS[k][1];
  return <View admin={admin} s3={s3} />;
};

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
  // Until the probe answers, the bucket list does not count (admins and others count differently).
  const [probed, setProbed] = useState(false);
  useEffect(() => {
    setIsAdmin(false);
    setProbed(false);
    admin?.listPolicies().then(() => setIsAdmin(true), () => {}).finally(() => setProbed(true));
  }, [admin]);

  if (!session || !s3 || !admin) return <div><ErrorBanner error={crash} onClose={() => setCrash(null)} /><Login region={region} onLogin={(s) => { setCrash(null); setSession(s); }} /></div>;
  return (
    <div class="shell">
      <header class="top">
        <a href="#/" class="brand">s3edge</a>
        {isAdmin ? (
          <nav class="nav" aria-label="Console">
            <a href="#/" aria-current={!route.admin ? "page" : undefined}>Files</a>
            {ADMIN_SCREENS.map((k) => <a key={k} href={`#/${k}`} aria-current={route.admin === k ? "page" : undefined}>{SCREENS[k][0]}</a>)}
          </nav>
        ) : null}
        <span class="muted who" title={session.kind === "sts" ? "temporary credentials" : "long-term credentials, in this page's memory only: a reload logs out"}>{session.accessKeyId}</span>
        <button type="button" onClick={() => { logout(); location.hash = "#/"; }}>Log out</button>
      </header>
      <main>
        <ErrorBanner error={crash} onClose={() => setCrash(null)} />
        {route.admin && isAdmin ? screen(route.admin, admin, s3)
          : route.bucket ? <Objects s3={s3} bucket={route.bucket} prefix={route.prefix} account={probed && !isAdmin ? admin : null} /> : <Buckets s3={s3} admin={isAdmin ? admin : null} account={probed ? admin : null} session={session} />}
      </main>
    </div>
  );
};
