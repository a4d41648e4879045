import { useCallback, useEffect, useRef, useState } from 'react';

export type AsyncState<T> =
  | { readonly status: 'idle' }
  | { readonly status: 'loading'; readonly data?: T }
  | { readonly status: 'ok'; readonly data: T }
  | { readonly status: 'error'; readonly error: unknown; readonly data?: T };

/**
 * Runs `load` when `deps` change (and on reload()), keeping the last data while reloading, and
 * ignoring answers that arrive after a newer request started or after unmount.
 */
export function useAsync<T>(load: (() => Promise<T>) | null, deps: readonly unknown[]): AsyncState<T> & { reload(): void } {
  const [state, setState] = useState<AsyncState<T>>({ status: 'idle' });
  const [tick, setTick] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    if (load === null) {
      setState({ status: 'idle' });
      return;
    }
    const n = ++latest.current;
    setState((s) => ('data' in s && s.data !== undefined ? { status: 'loading', data: s.data } : { status: 'loading' }));
    load().then(
      (data) => n === latest.current && setState({ status: 'ok', data }),
      (error: unknown) =>
        n === latest.current &&
        setState((s) => ('data' in s && s.data !== undefined ? { status: 'error', error, data: s.data } : { status: 'error', error })),
    );
    return () => {
      if (n === latest.current) latest.current += 1;
    };
    // `deps` are the inputs of `load`, as with useEffect.
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** Calls `reload` every `ms` while the tab is visible (live cards, runs and lift). */
export function usePolling(reload: () => void, ms: number, enabled = true): void {
  useEffect(() => {
    if (!enabled) return;
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') reload();
    }, ms);
    return () => window.clearInterval(timer);
  }, [reload, ms, enabled]);
}
