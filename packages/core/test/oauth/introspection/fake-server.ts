import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP introspection endpoint on 127.0.0.1 whose behaviour a test chooses: answers per
 * token (RFC 7662 JSON), or a fault (slow, 500, not JSON, `active` as a string). It records every
 * request it receives, so a test can count round trips and read the client authentication.
 */

/** What the endpoint does with the next requests. */
export type Mode = 'ok' | 'slow' | 'error500' | 'notJson' | 'activeString' | 'hang';

/** One request the endpoint received. */
export interface Received {
  readonly form: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
}

export interface FakeIntrospection {
  readonly url: string;
  /** Answers by token; a token not listed is `{ active: false }`. */
  readonly answers: Map<string, Record<string, unknown>>;
  mode: Mode;
  /** Milliseconds a `slow` answer waits. */
  delay: number;
  readonly received: Received[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/** Starts the endpoint on an ephemeral port. */
export async function startFakeIntrospection(): Promise<FakeIntrospection> {
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const fake: Omit<FakeIntrospection, 'url' | 'close'> = {
    answers: new Map(),
    mode: 'ok',
    delay: 2_000,
    received: [],
  };
  const server: Server = createServer(async (req, res) => {
    const form = new URLSearchParams(await readBody(req));
    fake.received.push({ form, headers: req.headers });
    const answer = fake.answers.get(form.get('token') ?? '') ?? { active: false };
    const json = (value: unknown) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    switch (fake.mode) {
      case 'ok':
        return json(answer);
      case 'slow': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          json(answer);
        }, fake.delay);
        timers.add(timer);
        return;
      }
      case 'hang':
        return;
      case 'error500':
        return res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      case 'notJson':
        return res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>');
      case 'activeString':
        return json({ ...answer, active: 'true' });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(fake, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  }) as FakeIntrospection;
}
