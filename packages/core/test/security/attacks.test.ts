import { randomBytes } from 'node:crypto';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { authErrorHandler, type ExpressAuthOptions, jwtAuth } from '../../../express/src/index.js';
import { createVerifier, isAuthError, type TokengateOptions } from '../../src/index.js';
import { type AttackDriver, summarizeAuth } from './attacks.js';
import { coreDriver, httpDriver, listen, rawRequest, startTrap } from './drivers.js';
import { ATTACKER_RSA_CERT } from './fixtures.js';
import { type AttackKit, createAttackKits, KEY_MODES, type KeyMode, withKeySource } from './kit.js';
import { describeAttacks } from './suite.js';

/**
 * The core options as the Express adapter's type. The adapter is compiled against the built core
 * (`dist`), these tests against its sources: the two `AuthError` declarations differ only by origin.
 */
const forExpress = (options: TokengateOptions) => options as unknown as ExpressAuthOptions;

/** The Express app every HTTP attack goes through: tokengate's middleware and JSON error handler. */
function expressApp(options: TokengateOptions) {
  const app = express();
  app.get('/protected', jwtAuth(forExpress(options)), (req, res) => {
    res.json(summarizeAuth(req.auth!));
  });
  app.use(authErrorHandler());
  return app;
}

const drivers: AttackDriver[] = [
  coreDriver('node'),
  coreDriver('webcrypto'),
  httpDriver('express', expressApp, { reportsCode: true }),
];

let trap: Awaited<ReturnType<typeof startTrap>>;
let kits: Record<KeyMode, AttackKit>;

beforeAll(async () => {
  trap = await startTrap();
  kits = createAttackKits(trap.url);
});
afterAll(() => trap.close());

for (const driver of drivers) {
  describe(`attacks through ${driver.name}`, () => {
    for (const mode of KEY_MODES) describeAttacks(mode, driver, mode, () => kits[mode]);
  });
}

// The same corpus through the remote key path: ES256 keys served as a JWKS by a real server.
let jwksServer: Awaited<ReturnType<typeof listen>>;
let jwksHits = 0;
let remoteKit: AttackKit;
const REMOTE_DRIVERS: AttackDriver[] = [
  coreDriver('node'),
  httpDriver('express', expressApp, { reportsCode: true }),
];

describe('attacks through the remote key path (ES256 via jwksUri)', () => {
  beforeAll(async () => {
    jwksServer = await listen((_req, res) => {
      jwksHits++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(kits.ES256.options.jwks));
    });
    remoteKit = withKeySource(kits.ES256, 'ES256 via jwksUri', {
      jwksUri: `http://127.0.0.1:${jwksServer.port}/jwks.json`,
    });
  });
  afterAll(() => jwksServer.close());

  for (const driver of REMOTE_DRIVERS) describeAttacks(driver.name, driver, 'ES256', () => remoteKit);

  it('hostile and unknown kids did not turn into a refetch storm', () => {
    // One load per key-set registry entry, and at most one kid-driven refetch per 30 s cooldown.
    expect(jwksHits).toBeGreaterThanOrEqual(1);
    expect(jwksHits).toBeLessThanOrEqual(2 * REMOTE_DRIVERS.length);
  });
});

describe('token-chosen URLs', () => {
  it('no attack made tokengate fetch anything (jku, x5u, URL kid)', () => {
    expect(trap.hits()).toBe(0);
  });
});

describe('huge tokens reach the middleware only when the server allows it', () => {
  const big = (kit: AttackKit, size: number) => {
    const [h, , s] = kit.token().split('.');
    return `${h}.${'A'.repeat(size)}.${s}`;
  };

  it('64 KB and 1 MB Authorization headers with a raised maxHeaderSize: 401 too_large, fast', async () => {
    const driver = httpDriver('express (maxHeaderSize 2 MiB)', expressApp, {
      reportsCode: true,
      server: { maxHeaderSize: 2 * 1024 * 1024 },
    });
    const session = await driver.open(kits.HS256);
    try {
      for (const size of [64 * 1024, 1024 * 1024]) {
        const outcome = await session.send({ token: big(kits.HS256, size) });
        expect(outcome.status).toBe(401);
        expect(outcome.code).toBe('invalid_token');
        expect(outcome.reason).toBe('too_large');
        expect(outcome.challenge).toMatch(/^Bearer error="invalid_token"/);
        expect(outcome.ms).toBeLessThan(1000);
      }
    } finally {
      await session.close();
    }
  });

  it('a 1 MB token from getToken (request body): 401 too_large, checked before parsing', async () => {
    const app = express();
    app.post(
      '/protected',
      express.text({ limit: '2mb' }),
      jwtAuth({ ...forExpress(kits.HS256.options), getToken: (req) => req.body as string }),
      (req, res) => {
        res.json(summarizeAuth(req.auth!));
      },
    );
    app.use(authErrorHandler());
    const started = performance.now();
    const response = await request(app)
      .post('/protected')
      .set('content-type', 'text/plain')
      .send(big(kits.HS256, 1024 * 1024));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ code: 'invalid_token', reason: 'too_large' });
    const ok = await request(app)
      .post('/protected')
      .set('content-type', 'text/plain')
      .send(kits.HS256.token());
    expect(ok.status).toBe(200);
  });

  it('without a raised limit, Node answers 431 before any middleware runs', async () => {
    const running = await listen(expressApp(kits.HS256.options));
    try {
      const response = await rawRequest(running.port, [
        ['Authorization', `Bearer ${big(kits.HS256, 20_000)}`],
      ]);
      expect(response.status).toBe(431);
    } finally {
      await running.close();
    }
  });
});

describe('prototype pollution with a claims schema', () => {
  it('a __proto__ claim does not reach the context or Object.prototype through zod', async () => {
    const kit = kits.ES256;
    const verifier = createVerifier({
      ...kit.options,
      claims: z.looseObject({ sub: z.string(), roles: z.array(z.string()).optional() }),
    });
    const token = kit.token({
      claims: JSON.stringify(kit.claims({ x: 0 })).replace(
        '"x":0',
        '"__proto__":{"admin":true,"roles":["admin"]}',
      ),
    });
    const summary = summarizeAuth(await verifier.verify(token));
    expect(summary.prototypePolluted).toBe(false);
    expect(summary.inherited).toEqual([]);
    expect(summary.claimsPrototypeIsObject).toBe(true);
    expect(summary.roles).toEqual([]);
  });
});

describe('public-key text configured as an HMAC secret (the express-jwt "secret" habit)', () => {
  const texts = (): [string, string | Uint8Array][] => [
    ['an RSA PEM', kits.RS256.publicKeyPem!],
    ['an EC PEM with leading whitespace', `  \n${kits.ES256.publicKeyPem!}`],
    ['an Ed25519 PEM after a comment line', `# signing key\n${kits.EdDSA.publicKeyPem!}`],
    ['a PEM certificate', ATTACKER_RSA_CERT],
    ['a PEM as bytes', new TextEncoder().encode(kits.RS256.publicKeyPem!)],
    ['RSA SPKI DER bytes', kits.RS256.publicKeyDer!],
    ['EC SPKI DER bytes', kits.ES256.publicKeyDer!],
    ['Ed25519 SPKI DER bytes', kits.EdDSA.publicKeyDer!],
    ['a JWK as JSON text', JSON.stringify(kits.ES256.publicJwk)],
    ['a JWK set as JSON text', ` ${JSON.stringify({ keys: [kits.EdDSA.publicJwk] })}`],
    [
      'an OpenSSH Ed25519 key',
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHV0b2tlbmdhdGUtc2VjdXJpdHktc3VpdGU user@host',
    ],
    [
      'an OpenSSH ECDSA key',
      'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBHRva2Vu',
    ],
  ];

  it('option "secret" given public-key text fails at start-up with a TypeError', () => {
    for (const [what, secret] of texts()) {
      expect(() => createVerifier({ secret }), what).toThrow(TypeError);
      expect(() => createVerifier({ secret }), what).toThrow(/public key/);
      expect(() => createVerifier({ secret: ['x'.repeat(40), secret] }), what).toThrow(/public key/);
    }
  });

  it('a secret function returning the public key PEM: a token MACed with that PEM is refused (401)', async () => {
    const pem = kits.RS256.publicKeyPem!;
    const verifier = createVerifier({
      secret: () => pem,
      issuer: kits.HS256.issuer,
      audience: kits.HS256.audience,
    });
    const forged = kits.HS256.token({ key: { hmac: pem } });
    const error = await verifier.verify(forged).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAuthError(error)).toBe(true);
    expect(error).toMatchObject({ status: 401, code: 'invalid_token', reason: 'unknown_key' });

    const app = express();
    app.get('/protected', jwtAuth({ ...forExpress(kits.HS256.options), secret: () => pem }), (req, res) => {
      res.json(summarizeAuth(req.auth!));
    });
    app.use(authErrorHandler());
    const response = await request(app).get('/protected').set('Authorization', `Bearer ${forged}`);
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ code: 'invalid_token', reason: 'unknown_key' });
  });

  it('random binary secrets are never mistaken for public keys', () => {
    for (let i = 0; i < 2000; i++) {
      const secret = new Uint8Array(randomBytes(32 + (i % 33)));
      if (i % 2 === 0) secret[0] = 0x30; // a DER SEQUENCE tag, the first thing the DER check looks at
      expect(() => createVerifier({ secret })).not.toThrow();
    }
  });

  it('ordinary secrets, including ones with dashes and braces, still work', async () => {
    for (const secret of ['-----not-a-pem-just-a-long-secret-----', '{"not":"a jwk, just a long secret"}']) {
      const verifier = createVerifier({ secret });
      const token = kits.HS256.token({ key: { hmac: secret } });
      await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'alice' });
    }
  });
});
