import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

/** What a `ws` client saw: the handshake's status or chosen subprotocol, then the close. */
export interface Connection {
  readonly socket: WebSocket;
  /** Resolves on open with the chosen subprotocol ('' for none), rejects with the refusal's status. */
  readonly opened: Promise<{
    protocol: string;
    responseHeaders: Record<string, string | string[] | undefined>;
  }>;
  /** Resolves on close with the code, the reason and when (Date.now()). */
  readonly closed: Promise<{ code: number; reason: string; at: number }>;
  /** The first message. */
  readonly greeting: Promise<string>;
}

export function connect(url: string, protocols: string[], headers: Record<string, string> = {}): Connection {
  const socket = new WebSocket(`${url.replace('http', 'ws')}/ws`, protocols, { headers });
  const opened = new Promise<Awaited<Connection['opened']>>((resolve, reject) => {
    let responseHeaders: Record<string, string | string[] | undefined> = {};
    socket.once('upgrade', (res) => {
      responseHeaders = res.headers;
    });
    socket.once('open', () => resolve({ protocol: socket.protocol, responseHeaders }));
    socket.once('unexpected-response', (_req, res) => {
      reject(
        Object.assign(new Error(`refused: ${res.statusCode}`), {
          status: res.statusCode,
          headers: res.headers,
        }),
      );
      res.resume();
      socket.terminate();
    });
    socket.once('error', reject);
  });
  opened.catch(() => {});
  const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) => {
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString(), at: Date.now() }));
  });
  const greeting = new Promise<string>((resolve) => socket.once('message', (data) => resolve(String(data))));
  return { socket, opened, closed, greeting };
}

/** Reads a server-sent-event stream with fetch: its events, and when it ended. */
export async function sse(url: string, token: string) {
  const response = await fetch(`${url}/events`, { headers: { authorization: `Bearer ${token}` } });
  const events: { event: string; data: string; at: number }[] = [];
  const done = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: ?(.*)$/m.exec(block)?.[1] ?? 'message';
        const data = /^data: ?(.*)$/m.exec(block)?.[1] ?? '';
        events.push({ event, data, at: Date.now() });
        end = buffer.indexOf('\n\n');
      }
    }
  })();
  return { response, events, done: done.then(() => Date.now()) };
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
export const elapsed = (since: number) => performance.now() - since;
