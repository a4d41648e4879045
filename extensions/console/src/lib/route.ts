/**
 * The console's pages as data, parsed from and written to real paths under /console (the server
 * answers every /console path with the app), so reload, back/forward and shared links work.
 */
export type Route =
  | { readonly page: 'record'; readonly profileId?: string; readonly search?: string }
  | { readonly page: 'runs'; readonly status?: string }
  | { readonly page: 'run'; readonly runId: string }
  | { readonly page: 'decisions'; readonly decisionId?: string; readonly profileId?: string }
  | { readonly page: 'lift' }
  | { readonly page: 'dead-letters' }
  | { readonly page: 'settings' };

export const BASE = '/console';

const segment = (s: string | undefined): string | undefined => {
  if (s === undefined || s === '') return undefined;
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
};

const opt = <K extends string>(key: K, value: string | null | undefined): Partial<Record<K, string>> =>
  value === null || value === undefined || value === '' ? {} : ({ [key]: value } as Record<K, string>);

export function parseRoute(pathname: string, search = ''): Route {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const [first, second] = rest.split('/').filter((p) => p !== '');
  const params = new URLSearchParams(search);
  switch (first) {
    case 'runs': {
      const runId = segment(second);
      return runId === undefined ? { page: 'runs', ...opt('status', params.get('status')) } : { page: 'run', runId };
    }
    case 'decisions':
      return { page: 'decisions', ...opt('decisionId', segment(second)), ...opt('profileId', params.get('profileId')) };
    case 'lift':
      return { page: 'lift' };
    case 'dead-letters':
      return { page: 'dead-letters' };
    case 'settings':
      return { page: 'settings' };
    case 'profiles':
      return { page: 'record', ...opt('profileId', segment(second)), ...opt('search', params.get('q')) };
    default:
      return { page: 'record', ...opt('search', params.get('q')) };
  }
}

export function routeHref(route: Route): string {
  const q = (key: string, value: string | undefined): string => (value === undefined ? '' : `?${key}=${encodeURIComponent(value)}`);
  switch (route.page) {
    case 'record':
      return route.profileId === undefined
        ? `${BASE}/profiles${q('q', route.search)}`
        : `${BASE}/profiles/${encodeURIComponent(route.profileId)}${q('q', route.search)}`;
    case 'runs':
      return `${BASE}/runs${q('status', route.status)}`;
    case 'run':
      return `${BASE}/runs/${encodeURIComponent(route.runId)}`;
    case 'decisions':
      return `${BASE}/decisions${route.decisionId === undefined ? '' : `/${encodeURIComponent(route.decisionId)}`}${q('profileId', route.profileId)}`;
    case 'lift':
      return `${BASE}/lift`;
    case 'dead-letters':
      return `${BASE}/dead-letters`;
    case 'settings':
      return `${BASE}/settings`;
  }
}

export const NAV: readonly { readonly label: string; readonly route: Route; readonly pages: readonly Route['page'][] }[] = [
  { label: 'Records', route: { page: 'record' }, pages: ['record'] },
  { label: 'Runs', route: { page: 'runs' }, pages: ['runs', 'run'] },
  { label: 'Decisions', route: { page: 'decisions' }, pages: ['decisions'] },
  { label: 'Lift', route: { page: 'lift' }, pages: ['lift'] },
  { label: 'Dead letters', route: { page: 'dead-letters' }, pages: ['dead-letters'] },
  { label: 'Settings', route: { page: 'settings' }, pages: ['settings'] },
];
