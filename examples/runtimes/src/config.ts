import type { RuntimeAppConfig } from './app.js';

declare const RUNTIME_APP_CONFIG: RuntimeAppConfig;

/**
 * The app's configuration, written into the bundle at build time (esbuild `define`), so every
 * runtime builds the app at module scope, as an app with literal options does.
 */
export const config: RuntimeAppConfig = RUNTIME_APP_CONFIG;
