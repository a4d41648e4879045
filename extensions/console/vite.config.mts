import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** Builds the console into dist/console; the backend serves it at /console (server/console/console.routes.ts). */
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/console/',
  // Vite 8's built-in Oxc transform compiles TSX with React's automatic runtime: no React plugin needed.
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1200,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
