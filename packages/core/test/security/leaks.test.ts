/**
 * Leak tests: every error path's output — response bodies, every response header, error messages,
 * `cause` messages, stacks, `util.inspect` of the error (what a logger prints), hook payloads and
 * everything written to the console — is searched for the raw token, its signature segment, its
 * signing input, and key material (the secret string, the PEM body, the key's JWK members).
 */
import { inspect } from 'node:util';
import express from 'express';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { authErrorHandler, type ExpressAuthOptions, jwtAuth } from '../../../express/src/index.js';
import { type AuthError, authenticate, createVerifier, type TokengateOptions } from '../../src/index.js';
import { attacksFor, headerLines, summarizeAuth } from './attacks.js';
import { requestFromLines } from './drivers.js';
import { type AttackKit, createAttackKits, KEY_MODES, type KeyMode } from './kit.js';
import {
  describeError,
  describeEvent,
  httpLeaks,
  keyNeedles,
  leaksIn,
  refusedAttacks,
  tokenNeedles,
} from './leak-search.js';

let kits: Record<KeyMode, AttackKit>;
const consoleOutput: string[] = [];

beforeAll(() => {
  kits = createAttackKits('http://127.0.0.1:9');
});

beforeEach(() => {
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      consoleOutput.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 6 }))).join(' '));
    });
  }
});
afterEach(() => {
  vi.restoreAllMocks();
});

for (const crypto of ['node', 'webcrypto'] as const) {
  describe(`no leaks from the core (${crypto})`, () => {
    for (const mode of KEY_MODES) {
      it(`${mode}: error messages, causes, stacks, inspect output, hook payloads and console`, async () => {
        const kit = kits[mode];
        const events: string[] = [];
        const verifier = createVerifier({
          ...kit.options,
          crypto,
          onError: (event) => {
            events.push(describeEvent(event as unknown as Record<string, unknown>));
          },
          onAuthenticated: (event) => {
            events.push(describeEvent(event as unknown as Record<string, unknown>));
          },
        });
        consoleOutput.length = 0;
        const problems: string[] = [];
        const seen: string[] = [];
        let refused = 0;
        for (const attack of refusedAttacks(attacksFor(mode), kit, 'core')) {
          const input = attack.build(kit);
          const needles = [...tokenNeedles(input), ...keyNeedles(kit)];
          seen.push(...needles);
          events.length = 0;
          const texts: string[] = [];
          try {
            if ('token' in input) await verifier.verify(input.token);
            else await authenticate(verifier, requestFromLines(input.headers));
          } catch (error) {
            refused++;
            texts.push(...describeError(error));
          }
          if ('token' in input) {
            try {
              await authenticate(verifier, requestFromLines(headerLines(input)));
            } catch (error) {
              texts.push(...describeError(error));
            }
          }
          for (const leak of leaksIn([...texts, ...events], needles))
            problems.push(`${attack.name}: ${leak}`);
        }
        // A successful verification's hook payload carries no token either.
        const good = kit.token();
        events.length = 0;
        await authenticate(verifier, requestFromLines(headerLines({ token: good })));
        expect(events).toHaveLength(1);
        problems.push(...leaksIn(events, tokenNeedles({ token: good })).map((l) => `onAuthenticated: ${l}`));
        problems.push(...leaksIn(consoleOutput, seen).map((l) => `console: ${l}`));
        expect(refused).toBeGreaterThan(50);
        expect(problems).toEqual([]);
      });
    }
  });
}

function leakApp(
  options: TokengateOptions,
  events: string[],
  renderer: 'json' | 'express-default' | 'no-handler',
) {
  const app = express();
  app.set('env', 'development'); // Express's default handler then renders and logs the stack
  app.get(
    '/protected',
    jwtAuth({
      ...(options as unknown as ExpressAuthOptions),
      onError: (event) => {
        events.push(describeEvent(event as unknown as Record<string, unknown>));
      },
      onAuthenticated: (event) => {
        events.push(describeEvent(event as unknown as Record<string, unknown>));
      },
    }),
    (req, res) => {
      res.json(summarizeAuth(req.auth!));
    },
  );
  if (renderer === 'json') app.use(authErrorHandler());
  // An error handler that passes every error on (as a logging middleware does): jwtAuth then
  // leaves the answer to Express's final handler, which renders and logs the stack. With no
  // error handler at all ('no-handler'), jwtAuth answers by itself.
  if (renderer === 'express-default') {
    app.use((err: unknown, _req: express.Request, _res: express.Response, next: express.NextFunction) =>
      next(err),
    );
  }
  return app;
}

for (const renderer of ['json', 'express-default', 'no-handler'] as const) {
  describe(`no leaks over HTTP (Express, ${renderer} error rendering)`, () => {
    for (const mode of KEY_MODES) {
      it(`${mode}: bodies, every response header, hook payloads and console`, async () => {
        const kit = kits[mode];
        const events: string[] = [];
        const app = leakApp(kit.options, events, renderer);
        consoleOutput.length = 0;
        const { problems, needles, refused } = await httpLeaks(app, kit, attacksFor(mode), events);
        // Express's default handler logs every error's stack (in development, deferred with
        // setImmediate): wait for the last one, then search them too.
        await new Promise((resolve) => setImmediate(resolve));
        if (renderer === 'express-default') expect(consoleOutput.length).toBeGreaterThan(0);
        if (renderer === 'no-handler') expect(consoleOutput).toEqual([]);
        problems.push(...leaksIn(consoleOutput, needles).map((l) => `console: ${l}`));
        expect(refused).toBeGreaterThan(50);
        expect(problems).toEqual([]);
      });
    }
  });
}

describe('no leaks from start-up errors', () => {
  const secret = 'short-but-secret-value'; // 22 bytes: under HS256's 32
  const cases: [string, () => unknown, () => string[]][] = [
    ['a too-short secret', () => createVerifier({ secret }), () => [secret]],
    [
      'a too-short secret in a list',
      () => createVerifier({ secret: [secret, 'x'.repeat(40)] }),
      () => [secret],
    ],
    [
      'a truncated PEM',
      () => createVerifier({ publicKey: kits.RS256.publicKeyPem!.slice(0, 200) }),
      () => [kits.RS256.publicKeyPem!.split('\n')[1]!],
    ],
    [
      'a PEM given as an HMAC secret with asymmetric algorithms',
      () => createVerifier({ secret: kits.RS256.publicKeyPem!, algorithms: ['RS256'] }),
      () => [kits.RS256.publicKeyPem!.split('\n')[1]!],
    ],
    [
      'a JWK secret in a key set',
      () =>
        createVerifier({
          jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA' }] },
        }),
      () => ['c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA'],
    ],
    [
      'an RSA JWK that is too small',
      () =>
        createVerifier({
          publicKey: {
            kty: 'RSA',
            n: 'sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1Wl',
            e: 'AQAB',
          },
        }),
      () => ['sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1Wl'],
    ],
  ];
  for (const [name, start, needles] of cases) {
    it(`${name}: the TypeError names the problem, not the key`, async () => {
      let caught: unknown;
      try {
        const verifier = start() as { ready(): Promise<void> };
        await verifier.ready();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(TypeError);
      const texts = [
        String((caught as Error).message),
        String((caught as Error).stack),
        inspect(caught, { depth: 6, showHidden: true }),
      ];
      expect(leaksIn(texts, needles())).toEqual([]);
    });
  }
});

afterAll(() => {
  consoleOutput.length = 0;
});

describe('503s tell the client the keys are unavailable, not where they live', () => {
  // A closed port: the fetch fails at once. The query string stands for a credential in the URL.
  const jwksUri = 'http://127.0.0.1:1/jwks.json?api_key=SECRETVALUE123';
  const options = () => ({
    jwksUri,
    issuer: kits.ES256.issuer,
    audience: kits.ES256.audience,
    timeoutDuration: '1s',
  });

  it('core: the detail names the URL for operators; the message, the JSON body and the headers do not', async () => {
    const error = await createVerifier(options())
      .verify(kits.ES256.token())
      .then(
        () => undefined,
        (e: unknown) => e as AuthError,
      );
    expect(error).toMatchObject({ status: 503, code: 'key_source_unavailable', expose: false });
    expect(error!.detail).toContain('127.0.0.1:1');
    const client = [
      error!.message,
      error!.stack ?? '',
      JSON.stringify(error!.toJSON()),
      ...Object.values(error!.headers),
    ];
    expect(leaksIn(client, ['SECRETVALUE123', '127.0.0.1:1', 'jwks.json'])).toEqual([]);
    expect(error!.headers['Retry-After']).toMatch(/^\d+$/);
  });

  for (const renderer of ['json', 'express-default'] as const) {
    it(`Express (${renderer} error rendering, production): the response does not reveal the key URL`, async () => {
      const app = leakApp(options() as TokengateOptions, [], renderer);
      app.set('env', 'production');
      const response = await request(app)
        .get('/protected')
        .set('Authorization', `Bearer ${kits.ES256.token()}`);
      expect(response.status).toBe(503);
      const texts = [response.text, ...Object.values(response.headers).flat().map(String)];
      expect(leaksIn(texts, ['SECRETVALUE123', '127.0.0.1:1', 'jwks.json'])).toEqual([]);
      // Express logs the error for the operator (deferred): that is where the URL belongs.
      await new Promise((resolve) => setImmediate(resolve));
    });
  }

  it('a key URL with a user name and password is a start-up TypeError that does not echo them', () => {
    let caught: unknown;
    try {
      createVerifier({ jwksUri: 'https://svc:pa55word@idp.example.com/jwks.json' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TypeError);
    expect(leaksIn([String((caught as Error).message)], ['pa55word'])).toEqual([]);
  });
});
