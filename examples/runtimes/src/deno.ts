import { upgradeWebSocket } from 'hono/deno';
import { createApp } from './app.js';
import { config } from './config.js';

declare const Deno: {
  serve(
    options: { hostname: string; port: number; onListen(address: { port: number }): void },
    handler: (request: Request) => Response | Promise<Response>,
  ): unknown;
};

const app = createApp(config, upgradeWebSocket);
Deno.serve(
  {
    hostname: '127.0.0.1',
    port: 0,
    onListen: ({ port }) => console.log(JSON.stringify({ listening: `http://127.0.0.1:${port}` })),
  },
  app.fetch,
);
