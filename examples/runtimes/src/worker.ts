import { createApp } from './app.js';
import { config } from './config.js';

/** Cloudflare Workers (workerd): the app is the module's default export. */
export default createApp(config);
