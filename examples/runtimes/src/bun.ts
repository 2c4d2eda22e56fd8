import { createApp } from './app.js';
import { config } from './config.js';

declare const Bun: {
  serve(options: {
    hostname: string;
    port: number;
    fetch: (request: Request) => Response | Promise<Response>;
  }): {
    port: number;
  };
};

const app = createApp(config);
const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: app.fetch });
console.log(JSON.stringify({ listening: `http://127.0.0.1:${server.port}` }));
