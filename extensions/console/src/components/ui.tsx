import { useContext, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { ApiError, isMissingEndpoint } from '../api/http';
import { formatJson, humanize } from '../lib/format';
import { routeHref, type Route } from '../lib/route';
import { Console, useConsole } from '../lib/context';
import type { AsyncState } from '../lib/useAsync';

/** What went wrong, in words a person can act on. */
export function describeError(error: unknown): { title: string; detail: string } {
  if (isMissingEndpoint(error)) {
    return {
      title: 'Not available on this server yet',
      detail: `${(error as ApiError).message}. This part of Baton is not installed on the server you are connected to.`,
    };
  }
  if (error instanceof ApiError) {
    const f = error.failure;
    if (f.kind === 'contract')
      return { title: 'Unexpected answer from the server', detail: `${f.message}. The console and the server may be different versions.` };
    if (f.kind === 'network') return { title: 'Baton is unreachable', detail: f.message };
    if (f.status === 401) return { title: 'Not signed in', detail: f.message };
    return { title: `${humanize(f.code)} (HTTP ${f.status})`, detail: f.message };
  }
  return { title: 'Something went wrong', detail: error instanceof Error ? error.message : String(error) };
}

/** describeError as one line, for a notice under the button that failed. */
export function errorText(error: unknown): string {
  const { title, detail } = describeError(error);
  return `${title}: ${detail}`;
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { title, detail } = describeError(error);
  const ctx = useContext(Console);
  const signedOut = error instanceof ApiError && error.failure.kind === 'http' && error.failure.status === 401;
  return (
    <div className="error-state" role="alert">
      <strong>{title}</strong>
      <p>{detail}</p>
      {signedOut && ctx !== null ? (
        <button type="button" onClick={ctx.signOut}>
          Sign in again
        </button>
      ) : null}
      {onRetry === undefined || signedOut ? null : (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

/** Renders an async state: loading, error (with retry), or the content. */
export function Async<T>({
  state,
  what,
  children,
}: {
  state: AsyncState<T> & { reload(): void };
  what: string;
  children: (data: T) => ReactNode;
}) {
  if (state.status === 'error') return <ErrorState error={state.error} onRetry={state.reload} />;
  if ('data' in state && state.data !== undefined) return <>{children(state.data)}</>;
  return <Loading what={what} />;
}

const TONES: Record<string, string> = {
  completed: 'good',
  succeeded: 'good',
  chosen: 'good',
  accepted: 'good',
  positive: 'good',
  active: 'good',
  connected: 'good',
  published: 'good',
  failed: 'bad',
  blocked: 'bad',
  cancelled: 'muted',
  dismissed: 'muted',
  negative: 'bad',
  error: 'bad',
  churned: 'bad',
  at_risk: 'warn',
  waiting: 'warn',
  retrying: 'warn',
  undeliverable: 'warn',
  deferred: 'warn',
  snoozed: 'warn',
  held_back: 'warn',
  proposed: 'info',
  running: 'info',
  pending: 'info',
};

export function Badge({ value, label }: { value: string; label?: string }) {
  return <span className={`badge badge-${TONES[value] ?? 'neutral'}`}>{label ?? humanize(value)}</span>;
}

export function JsonBlock({ label, value }: { label: string; value: unknown }) {
  return (
    <figure className="json">
      <figcaption>{label}</figcaption>
      <pre tabIndex={0} aria-label={label}>
        {formatJson(value)}
      </pre>
    </figure>
  );
}

export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  const id = useId();
  return (
    <section className="panel" aria-labelledby={id}>
      <header className="panel-head">
        <h2 id={id}>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

/** An in-app link: a real href (open in new tab, copy link) that navigates without reloading. */
export function Link({
  to,
  children,
  className,
  current,
}: {
  to: Route;
  children: ReactNode;
  className?: string | undefined;
  current?: boolean;
}) {
  const { navigate } = useConsole();
  return (
    <a
      href={routeHref(to)}
      className={className}
      aria-current={current === true ? 'page' : undefined}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}

/** Label/value pairs. */
export function Facts({ items }: { items: readonly (readonly [string, ReactNode])[] }) {
  return (
    <dl className="facts">
      {items.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A one-line result of a button ("Accepted: run started"), announced to screen readers. */
export function Notice({ text, tone = 'info' }: { text: string | null; tone?: 'info' | 'bad' }) {
  return (
    <p className={`notice notice-${tone}`} role="status" aria-live="polite">
      {text ?? ''}
    </p>
  );
}

/**
 * A wide table's horizontal scroller. When its content is wider than the screen (phones) it becomes a
 * named, focusable region, so keyboard users can scroll it with the arrow keys.
 */
export function TableWrap({ label, children }: { label: string; children: ReactNode }) {
  const box = useRef<HTMLDivElement>(null);
  const [scrolls, setScrolls] = useState(false);
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const measure = () => setScrolls(el.scrollWidth > el.clientWidth + 1);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    if (el.firstElementChild !== null) observer.observe(el.firstElementChild);
    return () => observer.disconnect();
  }, []);
  return (
    <div
      ref={box}
      className="table-wrap"
      {...(scrolls ? { tabIndex: 0, role: 'region', 'aria-label': `${label} (scrolls sideways)` } : {})}
    >
      {children}
    </div>
  );
}
