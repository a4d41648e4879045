import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { createApiClient } from './api/http';
import { endpoints } from './api/endpoints';
import { Link, Loading } from './components/ui';
import { Console, type ConsoleContext } from './lib/context';
import { NAV, parseRoute, routeHref, type Route } from './lib/route';
import { clearApiKey, loadApiKey, saveApiKey } from './lib/session';
import { DeadLettersPage } from './pages/DeadLettersPage';
import { DecisionsPage } from './pages/DecisionsPage';
import { RecordPage } from './pages/record/RecordPage';
import { RunDetailPage } from './pages/runs/RunDetailPage';
import { RunsPage } from './pages/runs/RunsPage';
import { SettingsPage } from './pages/settings/SettingsPage';
import { SignIn } from './pages/SignIn';

// The charts library is most of the bundle: load it with the lift page only.
const LiftPage = lazy(() => import('./pages/LiftPage').then((m) => ({ default: m.LiftPage })));

const currentRoute = (): Route => parseRoute(window.location.pathname, window.location.search);

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'record':
      return <RecordPage route={route} />;
    case 'runs':
      return <RunsPage route={route} />;
    case 'run':
      return <RunDetailPage runId={route.runId} />;
    case 'decisions':
      return <DecisionsPage route={route} />;
    case 'lift':
      return (
        <Suspense fallback={<Loading what="the lift page" />}>
          <LiftPage />
        </Suspense>
      );
    case 'settings':
      return <SettingsPage />;
    case 'dead-letters':
      return <DeadLettersPage />;
  }
}

export function App() {
  const [apiKey, setApiKey] = useState<string | null>(loadApiKey);
  const [route, setRoute] = useState<Route>(currentRoute);
  const main = useRef<HTMLElement>(null);

  useEffect(() => {
    const onPop = () => setRoute(currentRoute());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  const navigate = useCallback((to: Route) => {
    window.history.pushState(null, '', routeHref(to));
    setRoute(to);
    // Move focus to the new page so keyboard and screen-reader users start at its top.
    window.requestAnimationFrame(() => main.current?.focus());
  }, []);

  const signOut = useCallback(() => {
    clearApiKey();
    setApiKey(null);
  }, []);

  const ctx = useMemo<ConsoleContext | null>(
    () => (apiKey === null ? null : { api: endpoints(createApiClient({ apiKey })), navigate, signOut }),
    [apiKey, navigate, signOut],
  );

  if (ctx === null) {
    return (
      <SignIn
        onSignedIn={(key) => {
          saveApiKey(key);
          setApiKey(key);
        }}
      />
    );
  }
  return (
    <Console.Provider value={ctx}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Baton</span>
        <nav aria-label="Console">
          <ul>
            {NAV.map((item) => (
              <li key={item.label}>
                <Link to={item.route} current={item.pages.includes(route.page)}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" className="link" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Page route={route} />
      </main>
    </Console.Provider>
  );
}
