import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  importSPKI,
  jwtVerify,
} from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestIssuer, type TestIssuerServer } from '../../src/testing/index.js';

const servers: TestIssuerServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function verifyLocal(token: string, jwks: { keys: any[] }) {
  return jwtVerify(token, createLocalJWKSet(jwks));
}

describe('createTestIssuer: tokens', () => {
  for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
    it(`${alg}: signs tokens that verify against its JWKS and its PEM`, async () => {
      const idp = await createTestIssuer({ alg, issuer: 'https://idp.test', audience: 'api://a' });
      const token = await idp.sign({ sub: 'alice', scope: 'read' });
      const { payload, protectedHeader } = await verifyLocal(token, idp.jwks);
      expect(protectedHeader).toEqual({ alg, kid: idp.kid, typ: 'JWT' });
      expect(payload).toMatchObject({ sub: 'alice', scope: 'read', iss: 'https://idp.test', aud: 'api://a' });
      expect(payload.exp! - payload.iat!).toBe(300);
      expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(5);
      expect(typeof payload.jti).toBe('string');
      const key = await importSPKI(idp.publicKeyPem!, alg);
      await expect(jwtVerify(token, key)).resolves.toBeTruthy();
      expect(idp.secret).toBeUndefined();
    });
  }

  it('publishes public keys only, without alg, with kid and use', async () => {
    const idp = await createTestIssuer({ kid: 'k1' });
    expect(idp.jwks.keys).toHaveLength(1);
    const [jwk] = idp.jwks.keys;
    expect(jwk).toMatchObject({ kty: 'RSA', kid: 'k1', use: 'sig' });
    expect(jwk).not.toHaveProperty('alg');
    expect(jwk).not.toHaveProperty('d');
    expect(jwk).not.toHaveProperty('p');
    // a copy: mutating it does not change what is published
    jwk!.kid = 'changed';
    expect(idp.jwks.keys[0]!.kid).toBe('k1');
  });

  it('HS256: exposes the secret and publishes nothing', async () => {
    const idp = await createTestIssuer({ alg: 'HS256' });
    expect(idp.jwks.keys).toEqual([]);
    expect(idp.secret).toBeInstanceOf(Uint8Array);
    expect(idp.secret!.length).toBe(32);
    expect(idp.publicKeyPem).toBeUndefined();
    const token = await idp.sign({ sub: 'bob' });
    const { payload } = await jwtVerify(token, idp.secret!);
    expect(payload.sub).toBe('bob');
    await expect(jwtVerify(await idp.sign({}, { defect: 'wrong-key' }), idp.secret!)).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    });
  });

  it('honours sign options', async () => {
    const idp = await createTestIssuer({ issuer: 'https://idp.test', audience: 'default-aud' });
    const token = await idp.sign(
      { role: 'admin' },
      {
        expiresIn: '15m',
        issuedAt: 1_700_000_000,
        notBefore: 60,
        audience: ['a', 'b'],
        issuer: 'https://other',
        subject: 'carol',
        kid: null,
        typ: 'at+jwt',
      },
    );
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', typ: 'at+jwt' });
    expect(decodeJwt(token)).toMatchObject({
      role: 'admin',
      iat: 1_700_000_000,
      exp: 1_700_000_900,
      nbf: 1_700_000_060,
      aud: ['a', 'b'],
      iss: 'https://other',
      sub: 'carol',
    });
    const bare = decodeJwt(
      await idp.sign({}, { expiresIn: null, issuedAt: null, audience: null, issuer: null, typ: null }),
    );
    expect(bare).not.toHaveProperty('exp');
    expect(bare).not.toHaveProperty('iat');
    expect(bare).not.toHaveProperty('aud');
    expect(bare).not.toHaveProperty('iss');
    expect(decodeJwt(await idp.sign({}, { expiresIn: 90 })).exp).toBe(
      decodeJwt(await idp.sign({})).iat! + 90,
    );
    // explicit claims win over defaults, options win over claims
    expect(decodeJwt(await idp.sign({ exp: 5, aud: 'x' }))).toMatchObject({ exp: 5, aud: 'x' });
    expect(decodeJwt(await idp.sign({ aud: 'x' }, { audience: 'y' })).aud).toBe('y');
    await expect(idp.sign({}, { expiresIn: 'soon' })).rejects.toThrow(TypeError);
    const past = decodeJwt(await idp.sign({}, { issuedAt: 1_000, expiresIn: -10, notBefore: '1m' }));
    expect(past).toMatchObject({ iat: 1_000, exp: 990, nbf: 1_060 });
  });

  it('each defect fails verification in the intended way', async () => {
    const idp = await createTestIssuer({ alg: 'ES256' });
    const jwks = createLocalJWKSet(idp.jwks);
    await expect(jwtVerify(await idp.sign(), jwks)).resolves.toBeTruthy();

    const expired = await idp.sign({}, { defect: 'expired' });
    await expect(jwtVerify(expired, jwks)).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
    const claims = decodeJwt(expired);
    expect(claims.iat!).toBeLessThan(claims.exp!);

    const wrongKey = await idp.sign({}, { defect: 'wrong-key' });
    expect(decodeProtectedHeader(wrongKey).kid).toBe(idp.kid);
    await expect(jwtVerify(wrongKey, jwks)).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    });

    const good = await idp.sign({ sub: 'dave' });
    const tampered = await idp.sign({ sub: 'dave' }, { defect: 'tampered' });
    await expect(jwtVerify(tampered, jwks)).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    });
    // canonical base64url JSON, same header, same claims except one character of jti
    const [h, p] = tampered.split('.');
    expect(p).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(h).toBe(good.split('.')[0]);
    const t = decodeJwt(tampered);
    expect(t.sub).toBe('dave');
    expect(t.jti).toHaveLength(36);
  });

  it('header alg overrides produce the classic forgeries', async () => {
    const idp = await createTestIssuer({ alg: 'RS256' });
    const jwks = createLocalJWKSet(idp.jwks);
    const none = await idp.sign({}, { alg: 'none' });
    expect(none.endsWith('.')).toBe(true);
    expect(decodeProtectedHeader(none).alg).toBe('none');

    // HS256 keyed by the public PEM: verifies with the PEM bytes as an HMAC secret
    const confused = await idp.sign({}, { alg: 'HS256' });
    await expect(jwtVerify(confused, new TextEncoder().encode(idp.publicKeyPem!))).resolves.toBeTruthy();
    await expect(jwtVerify(confused, jwks)).rejects.toBeTruthy();

    // another algorithm of the same family really signs with it
    for (const alg of ['RS384', 'PS256']) {
      const token = await idp.sign({}, { alg });
      await expect(jwtVerify(token, await importSPKI(idp.publicKeyPem!, alg))).resolves.toBeTruthy();
    }
    // extra header parameters
    const crit = await idp.sign({}, { header: { crit: ['exp'] } });
    expect(decodeProtectedHeader(crit).crit).toEqual(['exp']);
  });

  it('rotate() keeps or withdraws the old public key', async () => {
    const idp = await createTestIssuer({ kid: 'old' });
    const oldToken = await idp.sign();
    const { kid } = await idp.rotate();
    expect(kid).not.toBe('old');
    expect(idp.kid).toBe(kid);
    expect(idp.jwks.keys.map((k) => k.kid)).toEqual([kid, 'old']);
    const newToken = await idp.sign();
    expect(decodeProtectedHeader(newToken).kid).toBe(kid);
    await expect(verifyLocal(oldToken, idp.jwks)).resolves.toBeTruthy();
    await expect(verifyLocal(newToken, idp.jwks)).resolves.toBeTruthy();

    const third = await idp.rotate({ keep: false, kid: 'third' });
    expect(third.kid).toBe('third');
    expect(idp.jwks.keys.map((k) => k.kid)).toEqual(['third']);
    await expect(verifyLocal(newToken, idp.jwks)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
  });

  it('rejects an unknown alg', async () => {
    await expect(createTestIssuer({ alg: 'HS512' as never })).rejects.toThrow(TypeError);
  });
});

describe('createTestIssuer: server', () => {
  it('serves discovery metadata and a JWKS; the issuer becomes the server URL', async () => {
    const idp = await createTestIssuer({ alg: 'ES256' });
    expect(idp.issuer).toBeUndefined();
    const server = await idp.listen();
    servers.push(server);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.issuer).toBe(server.url);
    expect(idp.issuer).toBe(server.url);
    expect(server.jwksUri).toBe(`${server.url}/jwks`);

    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const res = await fetch(server.url + path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(await res.json()).toMatchObject({
        issuer: server.url,
        jwks_uri: server.jwksUri,
        id_token_signing_alg_values_supported: ['ES256'],
      });
    }
    expect(await (await fetch(`${server.url}/.well-known/jwks.json`)).json()).toEqual(idp.jwks);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect(server.stats).toEqual({ discovery: 2, jwks: 1 });

    const token = await idp.sign({ sub: 'erin' });
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(server.jwksUri)), {
      issuer: server.url,
    });
    expect(payload.sub).toBe('erin');
    expect(server.stats.jwks).toBe(2);
  });

  it('serves rotated keys live', async () => {
    const idp = await createTestIssuer();
    const server = await idp.listen();
    servers.push(server);
    const { kid } = await idp.rotate({ keep: false });
    const served = (await (await fetch(server.jwksUri)).json()) as { keys: { kid: string }[] };
    expect(served.keys.map((k) => k.kid)).toEqual([kid]);
  });

  it('keeps a configured issuer and supports an issuer path with RFC 8414 placement', async () => {
    const configured = await createTestIssuer({ issuer: 'https://idp.example.com' });
    const s1 = await configured.listen();
    servers.push(s1);
    expect(s1.issuer).toBe('https://idp.example.com');
    expect(configured.issuer).toBe('https://idp.example.com');

    const idp = await createTestIssuer();
    const server = await idp.listen({ path: '/tenant1', metadata: 'oauth-authorization-server' });
    servers.push(server);
    expect(server.issuer).toBe(`${server.url}/tenant1`);
    expect((await fetch(`${server.url}/tenant1/.well-known/openid-configuration`)).status).toBe(404);
    const res = await fetch(`${server.url}/.well-known/oauth-authorization-server/tenant1`);
    expect(await res.json()).toMatchObject({ issuer: `${server.url}/tenant1` });
    await expect(idp.listen()).rejects.toThrow(/already listening/);
    await expect(createTestIssuer().then((i) => i.listen({ path: 'x/' }))).rejects.toThrow(TypeError);
  });

  it('fault switches', async () => {
    const idp = await createTestIssuer();
    const server = await idp.listen();
    servers.push(server);
    const get = (path = '/jwks') => fetch(server.url + path);

    server.faults.set('down');
    await expect(get()).rejects.toThrow();
    server.faults.set('5xx');
    expect((await get()).status).toBe(503);
    server.faults.set('garbage');
    await expect((await get()).json()).rejects.toThrow(SyntaxError);
    server.faults.set('non-json');
    const html = await get();
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    server.faults.set('wrong-shape');
    expect(await (await get()).json()).toEqual({ keys: { kty: 'RSA' } });
    server.faults.set('oversize');
    expect((await (await get()).text()).length).toBeGreaterThan(1024 * 1024);
    server.faults.set('issuer-mismatch');
    const doc = (await (await get('/.well-known/openid-configuration')).json()) as Record<string, unknown>;
    expect(doc.issuer).not.toBe(server.issuer);
    expect((await (await get()).json()) as unknown).toEqual(idp.jwks);
    server.faults.set('no-jwks-uri');
    expect(await (await get('/.well-known/openid-configuration')).json()).not.toHaveProperty('jwks_uri');
    server.faults.set('5xx', { endpoint: 'discovery' });
    expect((await get('/.well-known/openid-configuration')).status).toBe(503);
    expect((await get()).status).toBe(200);
    server.faults.set('slow', { delayMs: 150 });
    expect(server.faults.current).toBe('slow');
    const started = performance.now();
    expect((await get()).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    await expect(get().then(() => 'answered')).resolves.toBe('answered');
    server.faults.set(null);
    expect((await get()).status).toBe(200);
    expect(server.stats.jwks).toBe(11);
    expect(server.stats.discovery).toBe(3);
  });

  it('close() does not hang on keep-alive connections or pending slow responses', async () => {
    const idp = await createTestIssuer();
    const server = await idp.listen();
    await (await fetch(server.jwksUri)).text(); // leaves a keep-alive connection open
    server.faults.set('slow'); // default 10 s
    const pending = fetch(server.jwksUri).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    await server.close();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
    await expect(fetch(server.jwksUri)).rejects.toThrow();
    // listening again after close works; the issuer follows the newest server
    const again = await idp.listen();
    servers.push(again);
    expect(idp.issuer).toBe(again.url);
  });
});
