import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CaseRequest, CaseResponse, Target } from './routes.js';

/**
 * Sends a request to a real server on 127.0.0.1 with node:http: array header values become
 * separate header lines (two `Authorization` lines), which supertest cannot send.
 */
export function send(port: number, spec: CaseRequest): Promise<CaseResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: spec.method ?? 'GET',
        path: spec.path ?? '/',
        agent: false,
        timeout: 5000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const headers: Record<string, string | undefined> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            headers[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers, body, text });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    for (const [name, value] of Object.entries(spec.headers ?? {})) req.setHeader(name, value);
    req.end();
  });
}

/** Starts `server` on a free loopback port and returns a {@link Target} for it. */
export async function listen(server: Server): Promise<Target> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    send: (spec) => send(port, spec),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
