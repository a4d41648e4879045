/** The tenant API key lives in sessionStorage only: gone when the tab closes, never in localStorage or cookies. */
const KEY = 'baton.console.apiKey';

export function loadApiKey(): string | null {
  try {
    return window.sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function saveApiKey(apiKey: string): void {
  window.sessionStorage.setItem(KEY, apiKey);
}

export function clearApiKey(): void {
  window.sessionStorage.removeItem(KEY);
}
