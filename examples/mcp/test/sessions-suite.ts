/**
 * The suite each `mcp-sessions-<framework>.e2e.test.ts` runs (one file per framework, so that the
 * test runner runs them side by side). MCP sessions held to their token's life, end to end: the MCP SDK v2's own client
 * (`StreamableHTTPClientTransport`, its standalone GET stream open) against the example's stateful
 * server (streamable HTTP with sessions, the SDK's gate, `@tokengate/mcp`'s `watchMcpSession`) on
 * Express and Hono; two instances behind one resource sharing a real redis-server for revocation;
 * tokens from the test issuer (its JWKS server on 127.0.0.1, its key withdrawn on demand). At
 * `exp`, on a revocation made through the other instance, and when the key is withdrawn, the
 * session's GET stream ends and the session is gone; a fresh token of the same principal keeps it.
 */
import { createTestIssuer, type TestIssuer, type TestIssuerServer } from '@tokengate/core/testing';
import { createRedisRevocationStore, type RedisRevocationStore } from '@tokengate/redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisServer, uniquePrefix } from '../../../packages/redis/test/helpers.js';
import { type RunningMcpSessionsServer, type SESSION_FRAMEWORKS, serveMcpSessions } from '../src/index.js';
import {
  connectClient,
  type McpSessionClient,
  nowSeconds,
  payloadOf,
  postOnSession,
  sleep,
} from './helpers.js';

/** The one resource both instances serve (behind one address in production). */
const RESOURCE = 'https://mcp.example.test/mcp';

type Framework = (typeof SESSION_FRAMEWORKS)[number];

async function setUp(framework: Framework, redis: RedisServer) {
  const idp: TestIssuer = await createTestIssuer({ alg: 'ES256', audience: RESOURCE });
  const jwks: TestIssuerServer = await idp.listen();
  const prefix = uniquePrefix();
  const stores: RedisRevocationStore[] = [0, 1].map(() =>
    createRedisRevocationStore({ url: redis.url, prefix }),
  );
  await Promise.all(stores.map((store) => store.ready()));
  const instance = (revocation: RedisRevocationStore) =>
    serveMcpSessions(framework, {
      issuer: idp.issuer!,
      resource: RESOURCE,
      extra: { revocation, cacheMaxAge: '1s', cooldownDuration: '1s', onKeySourceEvent: false },
    });
  const [a, b] = [await instance(stores[0]!), await instance(stores[1]!)] as RunningMcpSessionsServer[];
  const clients: McpSessionClient[] = [];
  return {
    idp,
    a: a!,
    b: b!,
    /** Instance B's revocation store: a revocation made there reaches A through Redis. */
    there: stores[1]!,
    /** An RFC 9068 access token of `agent` for the resource, with `notes:read`. */
    sign: (claims: Record<string, unknown> = {}, agent = 'agent-1') =>
      idp.sign(
        { sub: agent, client_id: agent, scope: 'notes:read notes:write', ...claims },
        { typ: 'at+jwt' },
      ),
    async connect(url: string, token: string, refresh?: () => Promise<string>) {
      const client = await connectClient(url, token, refresh);
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await Promise.all([a!.close(), b!.close()]);
      await Promise.all(stores.map((s) => s.close()));
      await jwks.close();
    },
  };
}

/** The sessions suite against `framework`'s server. */
export function sessionSuite(framework: Framework): void {
  describe(`MCP sessions on ${framework}, held to the token by watchMcpSession`, () => {
    let redis: RedisServer;
    let env: Awaited<ReturnType<typeof setUp>>;
    beforeAll(async () => {
      redis = await RedisServer.start();
      env = await setUp(framework, redis);
    });
    afterAll(async () => {
      await env?.close();
      await redis?.kill();
    });

    it('answers requests no session takes with 400/404/413, and bad tokens with the gate 401, never a 500', async () => {
      const token = await env.sign();
      const mcp = await env.connect(env.a.url, token);
      const send = (
        headers: Record<string, string>,
        body?: string,
        method = body === undefined ? 'GET' : 'POST',
      ) =>
        fetch(env.a.url, {
          method,
          headers: {
            accept: 'application/json, text/event-stream',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...headers,
          },
          body,
        }).then(async (response) => {
          await response.body?.cancel();
          return response.status;
        });
      const bearer = { authorization: `Bearer ${token}` };
      const list = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
      expect(await send({ 'mcp-session-id': mcp.sessionId }, list)).toBe(401); // no token
      expect(await send({ authorization: 'Bearer x.y.z', 'mcp-session-id': mcp.sessionId }, list)).toBe(401);
      expect(await send(bearer, list)).toBe(400); // no session ID, not an initialize request
      expect(await send(bearer)).toBe(400); // a GET stream without a session
      expect(await send({ ...bearer, 'mcp-session-id': 'no-such-session' }, list)).toBe(404);
      expect(await send({ ...bearer, 'mcp-session-id': 'no-such-session' }, undefined, 'DELETE')).toBe(404);
      expect(await send({ ...bearer, 'mcp-session-id': mcp.sessionId }, '{not json')).toBe(400);
      expect(await send(bearer, '{not json')).toBe(400);
      expect(await send(bearer, JSON.stringify({ pad: 'x'.repeat(5 << 20) }))).toBe(413); // over every bound
      expect(mcp.stream.done()).toBe(false);
    });

    it("ends the session and the client's GET stream within a second after exp; the session is gone", async () => {
      const exp = nowSeconds() + 2;
      const token = await env.sign({ exp });
      const fresh = await env.sign({ exp: nowSeconds() + 60 });
      const mcp = await env.connect(env.a.url, token, async () => fresh);
      expect(mcp.stream.status).toBe(200);
      expect((await mcp.client.listTools()).tools.length).toBeGreaterThan(0);
      const ended = await mcp.stream.ended;
      expect(ended).toBeGreaterThanOrEqual(exp * 1000);
      expect(ended - exp * 1000).toBeLessThan(1000);
      // The old token is refused by the gate; a fresh token of the same client finds no session.
      expect(await postOnSession(env.a.url, token, mcp.sessionId)).toBe(401);
      expect(await postOnSession(env.a.url, fresh, mcp.sessionId)).toBe(404);
      // The SDK's client itself: 401 with the old token, a new token, then 404 (no session).
      const before = mcp.sent.length;
      await expect(mcp.client.listTools()).rejects.toThrow();
      expect(
        mcp.sent
          .slice(before)
          .filter((s) => s.method === 'POST')
          .map((s) => s.status),
      ).toEqual([401, 404]);
    });

    it('ends a session whose token is revoked on the other instance (Redis) within a second', async () => {
      const token = await env.sign({ jti: `mcp-${Math.random()}` });
      const mcp = await env.connect(env.a.url, token);
      const bystander = await env.connect(env.a.url, await env.sign());
      const { jti, exp } = payloadOf(token);
      const revokedAt = Date.now();
      await env.there.revoke(jti, exp);
      const ended = await mcp.stream.ended;
      expect(ended - revokedAt).toBeLessThan(1000);
      expect(await postOnSession(env.a.url, token, mcp.sessionId)).toBe(401); // A refuses it
      expect(await postOnSession(env.b.url, token, mcp.sessionId)).toBe(401); // and so does B
      await sleep(100);
      expect(bystander.stream.done()).toBe(false); // another token's session lives on
      expect((await bystander.client.listTools()).tools.length).toBeGreaterThan(0);
    });

    it('keeps the session when the same client presents a fresh token before exp; refuses another client on it', async () => {
      const exp = nowSeconds() + 2;
      const mcp = await env.connect(env.a.url, await env.sign({ exp }));
      mcp.use(await env.sign({ exp: nowSeconds() + 60 }));
      await mcp.client.listTools(); // a request on the session with the fresh token: the watch follows it
      await sleep(Math.max(0, exp * 1000 + 1200 - Date.now()));
      expect(mcp.stream.done()).toBe(false);
      expect((await mcp.client.listTools()).tools.length).toBeGreaterThan(0);
      // A valid token of another client, naming this session: as if it did not exist.
      expect(await postOnSession(env.a.url, await env.sign({}, 'agent-2'), mcp.sessionId)).toBe(404);
      expect(mcp.stream.done()).toBe(false);
    });

    it('holds every session on one timer structure: opening 8 sessions arms no timer per session', async () => {
      const exp = nowSeconds() + 3;
      const tokens = await Promise.all(Array.from({ length: 8 }, () => env.sign({ exp })));
      const armed: string[] = [];
      const realSetTimeout = globalThis.setTimeout;
      const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((
        ...args: Parameters<typeof setTimeout>
      ) => {
        const stack = new Error().stack ?? '';
        // Armed by the watches (core's connections/, @tokengate/mcp's session.ts), not by key refreshes.
        if (/[/\\]connections[/\\]|[/\\]session\.[jt]s/.test(stack)) armed.push(stack);
        return realSetTimeout(...args);
      }) as typeof setTimeout);
      let sessions: McpSessionClient[];
      try {
        sessions = await Promise.all(tokens.map((token) => env.connect(env.a.url, token)));
      } finally {
        spy.mockRestore();
      }
      // Whatever the number of sessions: the expiry heap's one timer (re-armed for an earlier exp)
      // and, when these are the first watches on the key set, its one refresh timer.
      expect(armed.length).toBeLessThanOrEqual(2);
      // That one timer ends them all.
      for (const ended of await Promise.all(sessions.map((s) => s.stream.ended))) {
        expect(ended).toBeGreaterThanOrEqual(exp * 1000);
        expect(ended - exp * 1000).toBeLessThan(1000);
      }
    });

    it('a session the client ends (DELETE) stops its watch and is forgotten', async () => {
      const mcp = await env.connect(env.a.url, await env.sign());
      const open = env.a.sessions.size;
      await mcp.transport.terminateSession();
      expect(env.a.sessions.size).toBe(open - 1);
      expect(await postOnSession(env.a.url, await env.sign(), mcp.sessionId)).toBe(404);
    });

    it("ends a session whose token's key is withdrawn from the JWKS", async () => {
      const mcp = await env.connect(env.a.url, await env.sign());
      const withdrawnAt = Date.now();
      await env.idp.rotate({ keep: false });
      const ended = await mcp.stream.ended;
      expect(ended - withdrawnAt).toBeLessThan(3000); // the key set is fetched again every cacheMaxAge (1 s)
      expect(await postOnSession(env.a.url, await env.sign(), mcp.sessionId)).toBe(404);
    });
  });
}
