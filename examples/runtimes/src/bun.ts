import { upgradeWebSocket, websocket } from 'hono/bun';
import { createApp } from './app.js';
import { config } from './config.js';

declare const Bun: {
  serve(options: {
    hostname: string;
    port: number;
    fetch: (request: Request, server: unknown) => Response | Promise<Response>;
    websocket: unknown;
  }): {
    port: number;
  };
};

const app = createApp(config, upgradeWebSocket);
const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: app.fetch, websocket });
console.log(JSON.stringify({ listening: `http://127.0.0.1:${server.port}` }));
