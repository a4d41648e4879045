/**
 * Imported first by server/main.ts: Node keeps the compiled bytecode of every module loaded after this
 * on disk (NODE_COMPILE_CACHE, or the OS temp folder) and reuses it on the next start: about a tenth
 * less CPU spent loading the service's modules (docs/ARCHITECTURE.md, "Start-up"). A no-op before Node 22.1.
 */
import module from 'node:module';

module.enableCompileCache?.();
