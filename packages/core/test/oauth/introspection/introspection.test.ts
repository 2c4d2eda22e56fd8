import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type AuthError,
  authenticate,
  checkRequest,
  createMemoryRevocationStore,
  createVerifier,
  isAuthError,
  requireScope,
  type TokengateOptions,
} from '../../../src/index.js';
import { type FakeIntrospection, startFakeIntrospection } from './fake-server.js';

const AUDIENCE = 'https://api.example.test/';
const SECRET = 'an introspection client secret';
let as: FakeIntrospection;
const now = () => Math.floor(Date.now() / 1000);

const options = (
  extra: Partial<TokengateOptions> = {},
  intro: Record<string, unknown> = {},
): TokengateOptions =>
  ({
    audience: AUDIENCE,
    timeoutDuration: '5s',
    introspection: { endpoint: as.url, clientId: 'api', clientSecret: SECRET, ...intro },
    ...extra,
  }) as TokengateOptions;

const active = (extra: Record<string, unknown> = {}) => ({
  active: true,
  sub: 'alice',
  scope: 'orders:read orders:write',
  aud: AUDIENCE,
  exp: now() + 300,
  iat: now(),
  jti: 'jti-1',
  token_type: 'Bearer',
  client_id: 'app',
  ...extra,
});

async function refusal(promise: Promise<unknown>): Promise<AuthError> {
  try {
    await promise;
  } catch (error) {
    if (isAuthError(error)) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const request = (token: string) => ({
  method: 'GET',
  header: (name: string) => (name === 'authorization' ? `Bearer ${token}` : undefined),
  url: '/orders',
  raw: {},
});

beforeAll(async () => {
  as = await startFakeIntrospection();
});
afterAll(async () => {
  await as.close();
});
afterEach(() => {
  as.mode = 'ok';
  as.answers.clear();
  as.received.length = 0;
  vi.restoreAllMocks();
});

describe('options', () => {
  it.each([
    [{}, /introspection.clientId" is required/],
    [{ clientId: 'api' }, /needs "clientSecret" or "privateKey"/],
    [{ clientId: 'api', clientSecret: 's', authMethod: 'private_key_jwt' }, /needs "privateKey"/],
    [{ clientId: 'api', clientSecret: 's', endpoint: 'http://as.example.test/introspect' }, /https/],
    [{ clientId: 'api', clientSecret: 's', cacheMaxAge: -1 }, /introspection.cacheMaxAge/],
    [
      { clientId: 'api', clientSecret: 's', clientSecrets: 's' },
      /unknown option "introspection.clientSecrets"/,
    ],
    [{ clientId: 'api', clientSecret: 's' }, /introspection.endpoint" is needed/],
  ])('refuses %j at start-up', (introspection, message) => {
    expect(() => createVerifier({ audience: AUDIENCE, introspection } as TokengateOptions)).toThrow(message);
  });

  it('refuses jwtResponse without an issuer, and introspection on two issuers', () => {
    expect(() =>
      createVerifier({
        introspection: { endpoint: as.url, clientId: 'a', clientSecret: 's', jwtResponse: true },
      }),
    ).toThrow(/jwtResponse" needs the "issuer"/);
    const entry = (issuer: string) => ({
      issuer,
      secret: 'a secret that is long enough for HS256 use!!',
      introspection: { endpoint: as.url, clientId: 'a', clientSecret: 's' },
    });
    expect(() => createVerifier({ issuers: [entry('https://a.test/'), entry('https://b.test/')] })).toThrow(
      /given for 2 issuers \(issuers\[0\], issuers\[1\]\)/,
    );
  });
});

describe('opaque tokens', () => {
  it('builds the same context as for a JWT from the answer, authenticating with client_secret_basic', async () => {
    as.answers.set('opaque-1', active({ cnf: undefined }));
    const auth = await createVerifier(options()).verify('opaque-1');
    expect(auth).toMatchObject({ tokenType: 'opaque', subject: 'alice', header: {} });
    expect([...auth.scopes]).toEqual(['orders:read', 'orders:write']);
    expect(auth.payload).toMatchObject({ active: true, client_id: 'app', jti: 'jti-1' });
    expect(auth.binding).toBe('bearer');
    expect(Object.isFrozen(auth.payload)).toBe(true);
    const sent = as.received[0]!;
    expect(sent.form.get('token')).toBe('opaque-1');
    expect(sent.form.get('token_type_hint')).toBe('access_token');
    expect(sent.headers.authorization).toBe(
      `Basic ${Buffer.from(`api:${SECRET.replace(/ /g, '+')}`).toString('base64')}`,
    );
    expect(sent.headers.accept).toBe('application/json');
  });

  it('authenticates with client_secret_post', async () => {
    as.answers.set('opaque-2', active());
    await createVerifier(options({}, { authMethod: 'client_secret_post' })).verify('opaque-2');
    expect(as.received[0]!.form.get('client_secret')).toBe(SECRET);
    expect(as.received[0]!.form.get('client_id')).toBe('api');
    expect(as.received[0]!.headers.authorization).toBeUndefined();
  });

  it('authenticates with private_key_jwt: a fresh assertion per request, signed by the key', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: 'client-key' };
    as.answers.set('opaque-3', active());
    const verifier = createVerifier(
      options({ cache: false }, { clientSecret: undefined, privateKey: jwk, cacheMaxAge: 0 }),
    );
    await verifier.verify('opaque-3');
    await verifier.verify('opaque-3');
    const [first, second] = as.received.map((r) => r.form);
    expect(first!.get('client_assertion_type')).toBe(
      'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    );
    const { payload, protectedHeader } = await jwtVerify(first!.get('client_assertion')!, publicKey, {
      audience: as.url,
      issuer: 'api',
      subject: 'api',
    });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: 'client-key' });
    expect(payload.exp! - payload.iat!).toBe(60);
    const again = await jwtVerify(second!.get('client_assertion')!, publicKey);
    expect(again.payload.jti).not.toBe(payload.jti);
  });

  it('verifies a JWS locally and never sends it to the server', async () => {
    const secret = 'a secret that is long enough for HS256 use!!';
    const token = await new SignJWT({ sub: 'bob', aud: AUDIENCE })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(secret));
    const auth = await createVerifier(options({ secret })).verify(token);
    expect(auth).toMatchObject({ tokenType: 'jwt', subject: 'bob' });
    expect(as.received).toHaveLength(0);
  });

  it('introspects every token, JWS included, when there is no local key source', async () => {
    as.answers.set('a.b.c', active());
    expect((await createVerifier(options()).verify('a.b.c')).tokenType).toBe('opaque');
  });

  it.each([
    ['inactive', undefined, 'inactive'],
    ['another audience', active({ aud: 'https://other.test/' }), 'audience'],
    ['no audience', active({ aud: undefined }), 'audience'],
    ['expired', active({ exp: now() - 60 }), 'expired'],
    ['no exp', active({ exp: undefined }), 'claims'],
    ['a refresh token', active({ token_type: 'refresh_token' }), 'type'],
    ['DPoP without cnf.jkt', active({ token_type: 'DPoP' }), 'claims'],
    ['a sub that is not a string', active({ sub: 42 }), 'claims'],
  ])('refuses %s: 401 invalid_token', async (_, answer, reason) => {
    if (answer) as.answers.set('tok', answer);
    const error = await refusal(createVerifier(options()).verify('tok'));
    expect({ status: error.status, code: error.code, reason: error.reason }).toEqual({
      status: 401,
      code: 'invalid_token',
      reason,
    });
  });

  it('checks iss when the answer has one, and accepts an answer without iss', async () => {
    const issuer = 'https://as.example.test/';
    const secret = 'a secret that is long enough for HS256 use!!';
    as.answers.set('with-iss', active({ iss: 'https://evil.test/' }));
    as.answers.set('right-iss', active({ iss: issuer }));
    as.answers.set('no-iss', active());
    const verifier = createVerifier(options({ issuer, secret }));
    expect((await refusal(verifier.verify('with-iss'))).reason).toBe('issuer');
    expect((await verifier.verify('right-iss')).subject).toBe('alice');
    expect((await verifier.verify('no-iss')).subject).toBe('alice');
  });

  it('with issuers, sends opaque tokens to the one entry that introspects, and verifies JWTs of the others locally', async () => {
    const secret = 'a secret that is long enough for HS256 use!!';
    as.answers.set('opaque-of-a', active({ iss: 'https://a.test/' }));
    const verifier = createVerifier({
      audience: AUDIENCE,
      issuers: [
        {
          issuer: 'https://a.test/',
          secret,
          introspection: { endpoint: as.url, clientId: 'api', clientSecret: 's' },
        },
        { issuer: 'https://b.test/', secret },
      ],
    });
    expect((await verifier.verify('opaque-of-a')).tokenType).toBe('opaque');
    const jwt = await new SignJWT({ sub: 'bob', aud: AUDIENCE, iss: 'https://b.test/' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(secret));
    expect(await verifier.verify(jwt)).toMatchObject({ tokenType: 'jwt', subject: 'bob' });
    expect(as.received).toHaveLength(1);
  });

  it('applies the claims schema to the answer, and policy still reads the payload', async () => {
    as.answers.set('schema', active());
    const schema = {
      '~standard': {
        version: 1 as const,
        vendor: 'test',
        validate: (value: unknown) => ({ value: { who: (value as { sub: string }).sub } }),
      },
    };
    const auth = await createVerifier({ ...options(), claims: schema }).verify('schema');
    expect(auth.claims).toEqual({ who: 'alice' });
    expect([...auth.scopes]).toEqual(['orders:read', 'orders:write']);
  });

  it('applies revocation (jti and sub) to opaque tokens', async () => {
    const revocation = createMemoryRevocationStore();
    as.answers.set('rev', active());
    const verifier = createVerifier(options({ revocation }));
    await verifier.verify('rev');
    await revocation.revoke('jti-1', now() + 300);
    expect((await refusal(verifier.verify('rev'))).reason).toBe('revoked');
  });
});

describe('a server that cannot answer', () => {
  it.each([
    ['slow', 'slow', '400ms', /timed out after 400 ms/],
    ['500', 'error500', '5s', /answered HTTP 500/],
    ['not JSON', 'notJson', '5s', /is not JSON \(content-type: text\/html\)/],
    ['active as a string', 'activeString', '5s', /has no boolean "active" \(got string\)/],
  ] as const)(
    '%s: 503 introspection_unavailable with Retry-After, within the timeout',
    async (_, mode, timeout, detail) => {
      as.mode = mode;
      as.answers.set('opaque-zq9', active());
      const started = Date.now();
      const error = await refusal(createVerifier(options({ timeoutDuration: timeout })).verify('opaque-zq9'));
      expect(Date.now() - started).toBeLessThan(mode === 'slow' ? 1_500 : 5_500);
      expect(error).toMatchObject({ status: 503, code: 'introspection_unavailable' });
      expect(error.headers['Retry-After']).toBe('5');
      expect(JSON.stringify({ ...error, message: error.message, headers: error.headers })).not.toContain(
        'opaque-zq9',
      );
      expect(error.detail).not.toContain('opaque-zq9');
      expect(error.message).not.toContain('127.0.0.1');
      expect(error.detail).toContain(as.url);
      expect(error.detail).toMatch(detail);
    },
  );

  it('down (connection refused): 503', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const verifier = createVerifier(options({}, { endpoint: `http://127.0.0.1:${port}/introspect` }));
    expect(await refusal(verifier.verify('tok'))).toMatchObject({
      status: 503,
      code: 'introspection_unavailable',
    });
  });

  it('failOpen lets the request through unauthenticated, guards still refuse, and never passes active:false', async () => {
    const verifier = createVerifier(options({}, { failOpen: true }));
    as.mode = 'error500';
    const outcome = await authenticate(verifier, request('tok'));
    expect(outcome.auth).toBeUndefined();
    expect(outcome.error).toMatchObject({ status: 503, code: 'introspection_unavailable' });
    const raw = {};
    await authenticate(verifier, { ...request('tok'), raw });
    expect(checkRequest(requireScope('orders:read'), raw)).toMatchObject({ status: 401 });
    as.mode = 'ok';
    await expect(authenticate(verifier, request('unknown'))).rejects.toMatchObject({
      status: 401,
      reason: 'inactive',
    });
  });
});

describe('the cache', () => {
  it('asks once for concurrent requests with the same token (single flight)', async () => {
    as.answers.set('busy', active());
    as.mode = 'slow';
    as.delay = 100;
    const verifier = createVerifier(options());
    const results = await Promise.all(Array.from({ length: 20 }, () => verifier.verify('busy')));
    expect(results.every((r) => r.subject === 'alice')).toBe(true);
    expect(as.received).toHaveLength(1);
    as.delay = 2_000;
  });

  it('reuses an answer until cacheMaxAge, never past exp, and a refusal for 10 s', async () => {
    const start = Date.now();
    let clock = start;
    vi.spyOn(Date, 'now').mockImplementation(() => clock);
    as.answers.set('short', active({ exp: Math.floor(start / 1000) + 30 }));
    as.answers.set('long', active({ exp: Math.floor(start / 1000) + 3600 }));
    const verifier = createVerifier(options({ clockTolerance: 0 }, { cacheMaxAge: '1m' }));
    await verifier.verify('short');
    await verifier.verify('long');
    await refusal(verifier.verify('bad'));
    expect(as.received).toHaveLength(3);
    clock = start + 9_000;
    await verifier.verify('short');
    await verifier.verify('long');
    await refusal(verifier.verify('bad'));
    expect(as.received).toHaveLength(3);
    clock = start + 11_000; // the refusal is asked again
    await refusal(verifier.verify('bad'));
    expect(as.received).toHaveLength(4);
    clock = start + 31_000; // past exp: the server is asked (and its answer says expired)
    await refusal(verifier.verify('short'));
    expect(as.received).toHaveLength(5);
    await verifier.verify('long');
    expect(as.received).toHaveLength(5);
    clock = start + 61_000; // past cacheMaxAge
    await verifier.verify('long');
    expect(as.received).toHaveLength(6);
  });

  it('with cacheMaxAge 0 asks on every request', async () => {
    as.answers.set('t', active());
    const verifier = createVerifier(options({}, { cacheMaxAge: 0 }));
    await verifier.verify('t');
    await verifier.verify('t');
    expect(as.received).toHaveLength(2);
  });

  it('never caches a failure', async () => {
    as.answers.set('t', active());
    as.mode = 'error500';
    const verifier = createVerifier(options());
    await refusal(verifier.verify('t'));
    as.mode = 'ok';
    expect((await verifier.verify('t')).subject).toBe('alice');
  });

  it('shares answers through a store keyed by the SHA-256 of the token, never the token', async () => {
    const data = new Map<string, string>();
    const store = {
      get: async (key: string) => data.get(key),
      set: async (key: string, value: string) => {
        data.set(key, value);
      },
    };
    as.answers.set('shared-token', active());
    await createVerifier(options({}, { store })).verify('shared-token');
    await new Promise((resolve) => setImmediate(resolve));
    const { createHash } = await import('node:crypto');
    expect([...data.keys()]).toEqual([createHash('sha256').update('shared-token').digest('base64url')]);
    expect([...data.values()].join()).not.toContain('shared-token');
    // A second instance answers from the store without asking the server.
    expect((await createVerifier(options({}, { store })).verify('shared-token')).subject).toBe('alice');
    expect(as.received).toHaveLength(1);
  });
});

describe('RFC 9701 JWT answers', () => {
  let jwtServer: ReturnType<typeof createServer>;
  let url: string;
  let sign: (payload: Record<string, unknown>, typ?: string) => Promise<string>;
  let jwks: { keys: JsonWebKey[] };
  const issuer = 'https://as.example.test/';
  let next: Record<string, unknown> = {};
  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'as', alg: 'ES256' } as JsonWebKey] };
    sign = (payload, typ = 'token-introspection+jwt') =>
      new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: 'as', typ }).sign(privateKey);
    jwtServer = createServer(async (req, res) => {
      req.resume();
      const body = await sign({ iss: issuer, aud: 'api', iat: now(), ...next });
      res.writeHead(200, { 'content-type': 'application/token-introspection+jwt' }).end(body);
    });
    await new Promise<void>((resolve) => jwtServer.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(jwtServer.address() as AddressInfo).port}/introspect`;
    void importJWK;
  });
  afterAll(() => new Promise((resolve) => jwtServer.close(resolve)));
  const verifier = () =>
    createVerifier(options({ issuer, jwks }, { endpoint: url, jwtResponse: true, cacheMaxAge: 0 }));

  it('accepts a signed answer addressed to this client', async () => {
    next = { token_introspection: active() };
    expect((await verifier().verify('opaque')).subject).toBe('alice');
  });

  it.each([
    ['another audience', { aud: 'someone-else', token_introspection: active() }],
    ['another issuer', { iss: 'https://evil.test/', token_introspection: active() }],
    ['no token_introspection', {}],
  ])('refuses an answer with %s: 503', async (_, payload) => {
    next = payload;
    expect(await refusal(verifier().verify('opaque'))).toMatchObject({
      status: 503,
      code: 'introspection_unavailable',
    });
  });

  it('still refuses an inactive token: 401', async () => {
    next = { token_introspection: { active: false } };
    expect((await refusal(verifier().verify('opaque'))).reason).toBe('inactive');
  });
});
