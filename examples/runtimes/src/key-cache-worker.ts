import { type CacheApiLike, workersKeyCache } from '@tokengate/core';
import { getAuth, jwtAuth } from '@tokengate/hono';
import { type Context, Hono } from 'hono';

/** What the key-cache worker is built with (esbuild `define`). */
export interface KeyCacheWorkerConfig {
  /** Issuer whose keys `/default/*` finds by discovery, through `caches.default`. */
  issuer: string;
  /** Issuer of `/named/*`, through `caches.open('tokengate-keys')`. */
  namedIssuer: string;
  audience: string;
}

declare const KEY_CACHE_WORKER_CONFIG: KeyCacheWorkerConfig;
/** Workers' `caches`: the standard CacheStorage plus `default`. */
declare const caches: { default: CacheApiLike; open(name: string): Promise<CacheApiLike> };

const config = KEY_CACHE_WORKER_CONFIG;
/** What this isolate's key sources reported, and its identity (made at the first request). */
const events: string[] = [];
let isolate: string | undefined;
const onKeySourceEvent = (event: { type: string; error?: string | undefined }) => {
  events.push(event.type);
  if (event.error) console.error(`${event.type}: ${event.error}`);
};

/**
 * A Worker verifying tokens with its keys shared through the Cache API: each route answers the
 * token's subject, this isolate's id and the key-source events it has seen.
 */
const app = new Hono();
app.use(
  '/default/*',
  jwtAuth({
    issuer: config.issuer,
    audience: config.audience,
    keyCache: workersKeyCache(caches.default),
    onKeySourceEvent,
  }),
);
// the same issuer without a key cache: each isolate fetches (bench/cold-isolate-workerd.mjs)
app.use('/none/*', jwtAuth({ issuer: config.issuer, audience: config.audience, onKeySourceEvent }));
app.use(
  '/named/*',
  jwtAuth({
    issuer: config.namedIssuer,
    audience: config.audience,
    keyCache: workersKeyCache(() => caches.open('tokengate-keys')),
    onKeySourceEvent,
  }),
);
const answer = (c: Context) => {
  isolate ??= crypto.randomUUID();
  return c.json({ sub: getAuth(c).claims.sub, isolate, events });
};
app.get('/default/whoami', answer);
app.get('/named/whoami', answer);
app.get('/none/whoami', answer);

export default app;
