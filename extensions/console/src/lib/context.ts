import { createContext, useContext } from 'react';
import type { Endpoints } from '../api/endpoints';
import type { Route } from './route';

export interface ConsoleContext {
  readonly api: Endpoints;
  navigate(route: Route): void;
  signOut(): void;
}

export const Console = createContext<ConsoleContext | null>(null);

export function useConsole(): ConsoleContext {
  const ctx = useContext(Console);
  if (ctx === null) throw new Error('useConsole outside <Console.Provider>');
  return ctx;
}
