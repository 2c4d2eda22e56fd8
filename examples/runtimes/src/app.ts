import { getAuth, jwtAuth, requireScope, watchAuth } from '@tokengate/hono';
import { Hono } from 'hono';
import { timeout } from 'hono/timeout';
import type { UpgradeWebSocket } from 'hono/ws';

/** A public JSON Web Key Set. */
export interface KeySet {
  keys: JsonWebKey[];
}

/** Where the keys of each route come from. */
export interface RuntimeAppConfig {
  /** Expected `aud` of every token. */
  audience: string;
  /** HS256 shared secret of `/hs256`. */
  secret: string;
  /** Local key sets of `/rs256`, `/es256` and `/eddsa`. */
  jwks: { rs256: KeySet; es256: KeySet; eddsa: KeySet };
  /** Remote key set of `/remote`. */
  jwksUri: string;
  /** Issuer of `/discovery` (its keys are found through OIDC discovery). */
  issuer: string;
  /** Remote key set shared by `/hurried` and `/patient` (fetched with a 2 s timeout). */
  sharedJwksUri: string;
}

/** The key modes the app serves, one route prefix each. */
export const MODES = ['hs256', 'rs256', 'es256', 'eddsa', 'remote', 'discovery'] as const;

/** A key mode. */
export type Mode = (typeof MODES)[number];

/**
 * One Hono app with a route per key mode: `GET /<mode>/claims` needs a valid token with the
 * `read` scope and answers its claims. The same code runs on Node, Bun, Deno and Workers.
 */
export function createApp(config: RuntimeAppConfig, upgradeWebSocket?: UpgradeWebSocket<any, any>) {
  const keys: Record<Mode, Record<string, unknown>> = {
    hs256: { secret: config.secret },
    rs256: { jwks: config.jwks.rs256 },
    es256: { jwks: config.jwks.es256 },
    eddsa: { jwks: config.jwks.eddsa },
    remote: { jwksUri: config.jwksUri, algorithms: ['PS256'] },
    discovery: { issuer: config.issuer },
  };
  const app = new Hono();
  for (const mode of MODES) {
    const onKeySourceEvent = (event: { type: string; error?: string | undefined }) => {
      // Shows in the runtime's output when a test fails: why keys could not be fetched.
      if (event.type === 'fetch_failed') console.error(`${mode}: ${event.error}`);
    };
    app.use(`/${mode}/*`, jwtAuth({ ...keys[mode], audience: config.audience, onKeySourceEvent }));
    app.get(`/${mode}/claims`, requireScope('read'), (c) => c.json(getAuth(c).claims));
  }
  // Two middlewares on one key set share its fetch. `/hurried` gives up after 500 ms (hono/timeout,
  // 504): on Workers, the fetch it started is then cancelled with it, and `/patient` requests
  // waiting for that fetch must not hang.
  const shared = { jwksUri: config.sharedJwksUri, timeoutDuration: '2s', audience: config.audience };
  app.use('/hurried/*', timeout(500), jwtAuth(shared));
  app.get('/hurried/claims', (c) => c.json(getAuth(c).claims));
  app.use('/patient/*', jwtAuth(shared));
  app.get('/patient/claims', (c) => c.json(getAuth(c).claims));
  // A WebSocket held to its token's life (docs/connections.md): the runtime's own upgrade helper,
  // the token offered as the subprotocol `bearer.<token>` beside `chat`, closed with 4401.
  if (upgradeWebSocket) {
    app.use(
      '/ws',
      jwtAuth({ secret: config.secret, audience: config.audience, tokenSources: [{ protocol: 'bearer.' }] }),
    );
    app.get(
      '/ws',
      upgradeWebSocket(
        (c) => {
          const auth = getAuth(c);
          let stop: (() => void) | undefined;
          return {
            onOpen: (_event, ws) => {
              stop = watchAuth(auth, { onEnd: (reason) => ws.close(4401, reason) });
              ws.send(`hello ${auth.subject}`);
            },
            onClose: () => stop?.(),
          };
        },
        // Deno's helper answers with the first subprotocol offered unless told which one.
        { protocol: 'chat' },
      ),
    );
  }
  return app;
}
