import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { createMemoryReplayStore, DPOP_ALGORITHMS, type TokengateOptions } from '@tokengate/core';
import { createDpopClient, type DpopClient, type DpopProofInput } from '@tokengate/core/testing';
import { calculateJwkThumbprint } from 'jose';
import { expect } from 'vitest';
import { baseOptions, type Case, type CaseEnv, type Expected } from './cases.js';
import { ISS } from './fixtures.js';
import type { CaseRequest } from './routes.js';

/** The public base URL every DPoP case configures (`publicUrl`): the drivers listen elsewhere. */
const PUBLIC = 'https://api.conformance.test';
const ALGS = 'algs="ES256 EdDSA"';
const NONCE_SECRET = 'a nonce secret shared by every instance, 32+ bytes';

let clients: Promise<{ es: DpopClient; ed: DpopClient; other: DpopClient }> | undefined;
/** Two proof keys (ES256, EdDSA) and an unrelated third one, made once per run. */
const keys = () => {
  clients ??= Promise.all([
    createDpopClient({ alg: 'ES256' }),
    createDpopClient({ alg: 'EdDSA' }),
    createDpopClient({ alg: 'ES256' }),
  ]).then(([es, ed, other]) => ({ es, ed, other }));
  return clients;
};

type DpopSetting = NonNullable<TokengateOptions['dpop']>;
const dpopOptions =
  (dpop: Partial<Exclude<DpopSetting, string | false>> = {}, extra: Partial<TokengateOptions<any>> = {}) =>
  (env: CaseEnv): TokengateOptions<any> => ({
    ...baseOptions(env),
    dpop: { algorithms: ['ES256', 'EdDSA'], publicUrl: PUBLIC, ...dpop },
    ...extra,
  });

/** The URL the case's request reaches, as the proof must name it. */
const urlOf = (env: CaseEnv, path = '/') =>
  `${PUBLIC}${env.path}${env.path ? path.replace(/^\/(?=\?|$)/, '') : path}`;
const bound = async (env: CaseEnv, client?: DpopClient, claims: Record<string, unknown> = {}) =>
  env.f.hs.sign({ sub: 'alice', ...claims }, { dpop: client ?? (await keys()).es });

/** `Authorization: DPoP <token>` with a proof by `client` (ES256 by default) for this request. */
async function dpopRequest(
  env: CaseEnv,
  options: {
    token?: string;
    client?: DpopClient;
    proof?: Partial<DpopProofInput>;
    method?: string;
    path?: string;
    headers?: Record<string, string | string[]>;
  } = {},
): Promise<CaseRequest> {
  const client = options.client ?? (await keys()).es;
  const token = options.token ?? (await bound(env, client));
  const method = options.method ?? 'GET';
  const proof = await client.proof({
    method,
    url: urlOf(env, options.path),
    accessToken: token,
    ...options.proof,
  });
  return {
    method,
    path: options.path,
    headers: { authorization: `DPoP ${token}`, dpop: proof, ...options.headers },
  };
}

const onDpop = (
  error: string,
  code: Expected['code'],
  reason?: Expected['reason'],
  bearer = true,
): Expected => ({
  status: 401,
  challenge: `${bearer ? 'Bearer, ' : ''}DPoP error="${error}", error_description={desc}, ${ALGS}`,
  code,
  reason,
});
const badProof = (reason?: Expected['reason']) => onDpop('invalid_dpop_proof', 'invalid_dpop_proof', reason);
const dpopOk = (jkt?: string): Expected => ({
  status: 200,
  auth:
    jkt === undefined ? { subject: 'alice', binding: 'dpop' } : { subject: 'alice', binding: 'dpop', jkt },
});

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
/** A proof assembled by hand (any header, any payload, any signature), for this request's token. */
async function handmade(
  env: CaseEnv,
  header: (jwk: Record<string, unknown>) => unknown,
  payload: (claims: Record<string, unknown>) => unknown = (claims) => claims,
  signature = 'AAAA',
  jkt?: string,
): Promise<CaseRequest> {
  const { es } = await keys();
  const token = jkt ? await env.f.hs.sign({ sub: 'alice' }, { dpop: jkt }) : await bound(env, es);
  const ath = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))).toString(
    'base64url',
  );
  const claims = {
    jti: crypto.randomUUID(),
    htm: 'GET',
    htu: urlOf(env),
    iat: Math.floor(Date.now() / 1000),
    ath,
  };
  const proof = `${b64(header(es.publicJwk as Record<string, unknown>))}.${b64(payload(claims))}.${signature}`;
  return { headers: { authorization: `DPoP ${token}`, dpop: proof } };
}

/**
 * A proof signed with node:crypto, for headers jose refuses to sign (`crit`, `b64`): a valid
 * ES256 signature by a key the token is bound to, so only the extension can make it fail.
 */
async function selfSigned(env: CaseEnv, extraHeader: Record<string, unknown>): Promise<CaseRequest> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
  const token = await env.f.hs.sign({ sub: 'alice' }, { dpop: await calculateJwkThumbprint(jwk, 'sha256') });
  const ath = createHash('sha256').update(token).digest('base64url');
  const claims = {
    jti: crypto.randomUUID(),
    htm: 'GET',
    htu: urlOf(env),
    iat: Math.floor(Date.now() / 1000),
    ath,
  };
  const input = `${b64({ alg: 'ES256', typ: 'dpop+jwt', jwk, ...extraHeader })}.${b64(claims)}`;
  const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return { headers: { authorization: `DPoP ${token}`, dpop: `${input}.${signature.toString('base64url')}` } };
}

const RESOURCE = PUBLIC;
const LOOPBACK_RESOURCE = 'http://localhost:8443';
/** DPoP options without `publicUrl`: the URL is the origin of `resource`. */
const fromResource =
  (resource: string) =>
  (env: CaseEnv): TokengateOptions<any> => ({
    ...baseOptions(env),
    audience: baseOptions(env).audience,
    resource,
    dpop: { algorithms: ['ES256', 'EdDSA'] },
  });
/** {@link badProof} with the `resource_metadata` both challenges then carry. */
const METADATA = `resource_metadata="${RESOURCE}/.well-known/oauth-protected-resource"`;
const badProofAt = (resource: string, reason: Expected['reason']): Expected => {
  const metadata = `resource_metadata="${resource}/.well-known/oauth-protected-resource"`;
  return {
    status: 401,
    challenge: `Bearer ${metadata}, DPoP error="invalid_dpop_proof", error_description={desc}, ${metadata}, ${ALGS}`,
    code: 'invalid_dpop_proof',
    reason,
  };
};

/** Attack: one RFC 9449 §4.3 check violated (or a hostile proof); always a 401, never a 500. */
const attack = (
  name: string,
  request: (env: CaseEnv) => Promise<CaseRequest>,
  reason?: Expected['reason'],
): Case => ({
  name: `dpop attack: ${name} → 401 invalid_dpop_proof${reason ? ` (${reason})` : ''}`,
  options: dpopOptions(),
  request,
  expect: badProof(reason),
});
const signedBy = async (env: CaseEnv, proof: Partial<DpopProofInput>, client?: 'other' | 'ed') =>
  dpopRequest(env, { token: await bound(env), client: client && (await keys())[client], proof });

const dpopAttacks: Case[] = [
  attack('typ missing', (env) => signedBy(env, { header: { typ: undefined } }), 'type'),
  attack('typ JWT', (env) => signedBy(env, { header: { typ: 'JWT' } }), 'type'),
  attack(
    'alg none, no signature',
    (env) => handmade(env, (jwk) => ({ alg: 'none', typ: 'dpop+jwt', jwk }), undefined, ''),
    'alg_not_allowed',
  ),
  attack(
    'alg none with a signature',
    (env) => handmade(env, (jwk) => ({ alg: 'none', typ: 'dpop+jwt', jwk })),
    'alg_not_allowed',
  ),
  attack(
    'symmetric alg HS256 with an oct jwk',
    (env) => handmade(env, () => ({ alg: 'HS256', typ: 'dpop+jwt', jwk: { kty: 'oct', k: 'c2VjcmV0' } })),
    'alg_not_allowed',
  ),
  attack(
    'alg outside the allow-list (ES384)',
    (env) => handmade(env, (jwk) => ({ alg: 'ES384', typ: 'dpop+jwt', jwk })),
    'alg_not_allowed',
  ),
  attack(
    'key confusion: EdDSA alg over the bound EC key',
    (env) => handmade(env, (jwk) => ({ alg: 'EdDSA', typ: 'dpop+jwt', jwk })),
    'alg_not_allowed',
  ),
  attack(
    'key confusion: RS256 alg over the bound EC key',
    (env) => handmade(env, (jwk) => ({ alg: 'RS256', typ: 'dpop+jwt', jwk })),
    'alg_not_allowed',
  ),
  attack(
    'private key member "d" in the jwk',
    (env) => handmade(env, (jwk) => ({ alg: 'ES256', typ: 'dpop+jwt', jwk: { ...jwk, d: 'AAAA' } })),
    'malformed',
  ),
  attack('no jwk header', (env) => handmade(env, () => ({ alg: 'ES256', typ: 'dpop+jwt' })), 'malformed'),
  attack(
    'jwk is a string',
    (env) => handmade(env, () => ({ alg: 'ES256', typ: 'dpop+jwt', jwk: 'key' })),
    'malformed',
  ),
  attack(
    'jwk with an invalid point (and a token bound to its thumbprint)',
    async (env) => {
      const jwk = { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' };
      const jkt = await calculateJwkThumbprint(jwk, 'sha256');
      return handmade(env, () => ({ alg: 'ES256', typ: 'dpop+jwt', jwk }), undefined, 'AAAA', jkt);
    },
    'bad_signature',
  ),
  {
    ...attack('jwk altered', (env) =>
      handmade(env, (jwk) => ({ alg: 'ES256', typ: 'dpop+jwt', jwk: { ...jwk, x: 'AAAA' } })),
    ),
    name: 'dpop attack: jwk altered (thumbprint no longer matches cnf.jkt) → 401 invalid_token (dpop_binding)',
    expect: onDpop('invalid_token', 'invalid_token', 'dpop_binding'),
  },
  {
    // The bound key's thumbprint no longer matches, so the binding check answers first.
    ...attack(
      'jwk of the bound key with an extra curve mismatch',
      (env) => handmade(env, (jwk) => ({ alg: 'ES256', typ: 'dpop+jwt', jwk: { ...jwk, crv: 'P-384' } })),
      'alg_not_allowed',
    ),
  },
  attack(
    "signature by another key under the bound key's jwk",
    (env) =>
      signedBy(env, { header: { jwk: undefined } }, 'other').then(async (request) => {
        const { es, other } = await keys();
        const token = (request.headers!.authorization as string).slice(5);
        const forged = await other.proof({
          method: 'GET',
          url: urlOf(env),
          accessToken: token,
          header: { jwk: es.publicJwk },
        });
        return { headers: { authorization: `DPoP ${token}`, dpop: forged } };
      }),
    'bad_signature',
  ),
  attack(
    'garbage signature',
    (env) => handmade(env, (jwk) => ({ alg: 'ES256', typ: 'dpop+jwt', jwk })),
    'bad_signature',
  ),
  // Issue 26 finding 4: RFC 7515 §4.1.11, an unknown critical extension makes the JWS invalid.
  attack(
    'crit naming an unknown extension (validly signed)',
    (env) => selfSigned(env, { crit: ['urn:example:unknown'], 'urn:example:unknown': true }),
    'malformed',
  ),
  attack(
    'b64 false in crit (validly signed)',
    (env) => selfSigned(env, { b64: false, crit: ['b64'] }),
    'malformed',
  ),
  attack('jti missing', (env) => signedBy(env, { claims: { jti: undefined } }), 'claims'),
  attack('jti of 300 characters', (env) => signedBy(env, { jti: 'j'.repeat(300) }), 'claims'),
  attack('htm missing', (env) => signedBy(env, { claims: { htm: undefined } }), 'claims'),
  attack('htm in lower case', (env) => signedBy(env, { method: 'get' }), 'method'),
  attack('htu missing', (env) => signedBy(env, { claims: { htu: undefined } }), 'claims'),
  attack('htu relative', (env) => signedBy(env, { claims: { htu: '/' } }), 'url'),
  attack(
    'htu with userinfo',
    (env) => signedBy(env, { claims: { htu: urlOf(env).replace('https://', 'https://a:b@') } }),
    'url',
  ),
  attack(
    'htu with another scheme',
    (env) => signedBy(env, { claims: { htu: urlOf(env).replace('https:', 'http:') } }),
    'url',
  ),
  attack('iat missing', (env) => signedBy(env, { claims: { iat: undefined } }), 'claims'),
  attack(
    'iat as a string',
    (env) => signedBy(env, { claims: { iat: String(Math.floor(Date.now() / 1000)) } }),
    'claims',
  ),
  attack('ath missing', (env) => signedBy(env, { claims: { ath: undefined } }), 'ath'),
  attack(
    'proof is not a JWT',
    async (env) => ({ headers: { authorization: `DPoP ${await bound(env)}`, dpop: 'not-a-jwt' } }),
    'malformed',
  ),
  attack(
    'proof is a JWE',
    async (env) => ({ headers: { authorization: `DPoP ${await bound(env)}`, dpop: 'a.b.c.d.e' } }),
    'malformed',
  ),
  attack(
    'oversized proof (9000 characters)',
    async (env) => ({
      headers: { authorization: `DPoP ${await bound(env)}`, dpop: `${'a'.repeat(8996)}.b.c` },
    }),
    'too_large',
  ),
  attack(
    'deeply nested header (1500 levels)',
    (env) =>
      handmade(env, (jwk) => ({
        alg: 'ES256',
        typ: 'dpop+jwt',
        jwk,
        x: JSON.parse(`${'['.repeat(1500)}${']'.repeat(1500)}`),
      })),
    'malformed', // decodeJwt bounds the nesting of a header
  ),
  attack(
    'deeply nested claims (1500 levels)',
    (env) =>
      handmade(
        env,
        (jwk) => ({ alg: 'ES256', typ: 'dpop+jwt', jwk }),
        (claims) => ({ ...claims, x: JSON.parse(`${'['.repeat(1500)}${']'.repeat(1500)}`) }),
      ),
    'bad_signature',
  ),
  attack(
    'duplicate header member',
    async (env) => {
      const request = await signedBy(env, {});
      const [h, p, sig] = (request.headers!.dpop as string).split('.');
      const text = Buffer.from(h!, 'base64url').toString();
      const twice = `${text.slice(0, -1)},"typ":"dpop+jwt"}`;
      return { ...request, headers: { ...request.headers, dpop: `${b64(twice)}.${p}.${sig}` } };
    },
    'malformed',
  ),
];

/**
 * RFC 9449 DPoP: the `dpop` option on every driver. The proofs are made for the public URL
 * (`publicUrl`), since the drivers listen on loopback ports (and Hono's fetch driver on none).
 */
export const dpopCases: Case[] = [
  {
    name: 'dpop: DPoP token with a valid ES256 proof → 200, binding dpop and the thumbprint',
    options: dpopOptions(),
    request: (env) => dpopRequest(env),
    expect: { status: 200, auth: { subject: 'alice', binding: 'dpop' } },
    check: (env, response) => expect(response.body.auth.jkt).toBe(env.state.jkt),
    setup: async (env) => {
      env.state.jkt = (await keys()).es.jkt;
    },
  },
  {
    // The control of the crit/b64 attacks: the same hand-signed proof without them passes.
    name: 'dpop: hand-signed proof, no crit → 200',
    options: dpopOptions(),
    request: (env) => selfSigned(env, {}),
    expect: dpopOk(),
  },
  {
    name: 'dpop: EdDSA proof → 200',
    options: dpopOptions(),
    request: async (env) => dpopRequest(env, { client: (await keys()).ed }),
    expect: dpopOk(),
  },
  {
    name: 'dpop: POST with a query string (htu ignores the query) → 200',
    options: dpopOptions(),
    request: (env) => dpopRequest(env, { method: 'POST', path: '/?page=2#x' }),
    expect: dpopOk(),
  },
  {
    // Issue 26 finding 3: RFC 3986 §6.2.2.1 makes %aF and %AF the same octet. No route serves
    // the path: 404 means the proof passed (a refused one is 401).
    name: 'dpop: htu %aF, request %AF → passes (404, RFC 3986 §6.2.2.1)',
    options: dpopOptions(),
    request: (env) => dpopRequest(env, { path: '/caf%C3%AB', proof: { url: `${PUBLIC}/caf%c3%aB` } }),
    expect: { status: 404 },
  },
  {
    name: 'dpop: scope guard passes a DPoP request → 200',
    options: dpopOptions(),
    route: { guard: 'scope' },
    request: async (env) =>
      dpopRequest(env, { token: await bound(env, undefined, { scope: 'orders:read orders:write' }) }),
    expect: dpopOk(),
  },
  {
    name: 'dpop: scope guard refuses a DPoP request → 403 on the DPoP challenge',
    options: dpopOptions(),
    route: { guard: 'scope' },
    request: async (env) =>
      dpopRequest(env, { token: await bound(env, undefined, { scope: 'orders:read' }) }),
    expect: {
      status: 403,
      challenge: `Bearer, DPoP error="insufficient_scope", error_description={desc}, scope="orders:read orders:write", ${ALGS}`,
      code: 'insufficient_scope',
    },
  },
  {
    name: "dpop: 'allowed': an unbound Bearer token → 200, binding bearer",
    options: dpopOptions(),
    request: async (env) => ({
      headers: { authorization: `Bearer ${await env.f.hs.sign({ sub: 'alice' })}` },
    }),
    expect: { status: 200, auth: { subject: 'alice', binding: 'bearer' } },
  },
  {
    name: "dpop: 'allowed': no token → 401 with both challenges",
    options: dpopOptions(),
    request: () => ({}),
    expect: { status: 401, challenge: `Bearer, DPoP ${ALGS}`, code: 'missing_token' },
  },
  {
    name: "dpop: 'allowed' (string) announces the default algorithms",
    options: (env) => ({ ...baseOptions(env), resource: RESOURCE, dpop: 'allowed' }),
    request: () => ({}),
    expect: {
      status: 401,
      challenge: `Bearer ${METADATA}, DPoP ${METADATA}, algs="${DPOP_ALGORITHMS.join(' ')}"`,
      code: 'missing_token',
    },
  },
  {
    name: "dpop: 'required': no token → 401 with the DPoP challenge only",
    options: dpopOptions({ required: true }),
    request: () => ({}),
    expect: { status: 401, challenge: `DPoP ${ALGS}`, code: 'missing_token' },
  },
  {
    name: "dpop: 'required': an unbound Bearer token → 401 invalid_token (dpop_required)",
    options: dpopOptions({ required: true }),
    request: async (env) => ({
      headers: { authorization: `Bearer ${await env.f.hs.sign({ sub: 'alice' })}` },
    }),
    expect: onDpop('invalid_token', 'invalid_token', 'dpop_required', false),
  },
  {
    name: "dpop: 'required': a valid DPoP request → 200",
    options: dpopOptions({ required: true }),
    request: (env) => dpopRequest(env),
    expect: dpopOk(),
  },
  {
    name: 'dpop: a DPoP-bound token presented as Bearer → 401 invalid_token (dpop_bound) (RFC 9449 §7.2)',
    options: dpopOptions(),
    request: async (env) => ({ headers: { authorization: `Bearer ${await bound(env)}` } }),
    expect: {
      status: 401,
      challenge: `Bearer error="invalid_token", error_description={desc}, DPoP ${ALGS}`,
      code: 'invalid_token',
      reason: 'dpop_bound',
    },
  },
  {
    name: 'dpop: without the dpop option, a DPoP-bound token as Bearer is refused too',
    request: async (env) => ({ headers: { authorization: `Bearer ${await bound(env)}` } }),
    expect: {
      status: 401,
      challenge: 'Bearer error="invalid_token", error_description={desc}',
      code: 'invalid_token',
      reason: 'dpop_bound',
    },
  },
  {
    name: 'dpop: without the dpop option, Authorization: DPoP is not a credential → 401 missing_token',
    request: (env) => dpopRequest(env),
    expect: { status: 401, challenge: 'Bearer', code: 'missing_token' },
  },
  {
    name: 'dpop: an unbound token presented with DPoP → 401 invalid_token (dpop_binding)',
    options: dpopOptions(),
    request: async (env) => dpopRequest(env, { token: await env.f.hs.sign({ sub: 'alice' }) }),
    expect: onDpop('invalid_token', 'invalid_token', 'dpop_binding'),
  },
  {
    name: 'dpop: a proof by another key than cnf.jkt → 401 invalid_token (dpop_binding)',
    options: dpopOptions(),
    request: async (env) => dpopRequest(env, { token: await bound(env), client: (await keys()).other }),
    expect: onDpop('invalid_token', 'invalid_token', 'dpop_binding'),
  },
  {
    name: 'dpop: no DPoP header → 401 invalid_dpop_proof',
    options: dpopOptions(),
    request: async (env) => ({ headers: { authorization: `DPoP ${await bound(env)}` } }),
    expect: badProof(),
  },
  {
    name: 'dpop: two DPoP header lines → 401 invalid_dpop_proof',
    options: dpopOptions(),
    request: async (env) => {
      const request = await dpopRequest(env);
      const proof = request.headers!.dpop as string;
      return { ...request, headers: { ...request.headers, dpop: [proof, proof] } };
    },
    expect: badProof(),
  },
  {
    name: 'dpop: a proof for another method → 401 invalid_dpop_proof (method)',
    options: dpopOptions(),
    request: (env) => dpopRequest(env, { proof: { method: 'POST' } }),
    expect: badProof('method'),
  },
  {
    name: 'dpop: a proof for another URL → 401 invalid_dpop_proof (url)',
    options: dpopOptions(),
    request: (env) => dpopRequest(env, { proof: { url: `${PUBLIC}/other` } }),
    expect: badProof('url'),
  },
  {
    name: 'dpop: a proof for another host → 401 invalid_dpop_proof (url)',
    options: dpopOptions(),
    request: (env) => dpopRequest(env, { proof: { url: urlOf(env).replace(PUBLIC, 'https://evil.test') } }),
    expect: badProof('url'),
  },
  {
    name: 'dpop: a stale proof (iat 10 minutes ago) → 401 invalid_dpop_proof (expired)',
    options: dpopOptions(),
    request: (env) => dpopRequest(env, { proof: { issuedAt: Math.floor(Date.now() / 1000) - 600 } }),
    expect: badProof('expired'),
  },
  {
    name: 'dpop: a proof from the future → 401 invalid_dpop_proof (not_yet_valid)',
    options: dpopOptions(),
    request: (env) => dpopRequest(env, { proof: { issuedAt: Math.floor(Date.now() / 1000) + 120 } }),
    expect: badProof('not_yet_valid'),
  },
  {
    name: 'dpop: a proof for another access token → 401 invalid_dpop_proof (ath)',
    options: dpopOptions(),
    request: async (env) => dpopRequest(env, { proof: { accessToken: await bound(env) } }),
    expect: badProof('ath'),
  },
  {
    name: 'dpop: a replayed proof → 401 invalid_dpop_proof (replayed)',
    options: dpopOptions(),
    before: async (env, send) => {
      env.state.request = await dpopRequest(env);
      expect((await send(env.state.request)).status).toBe(200);
    },
    request: (env) => env.state.request,
    expect: badProof('replayed'),
  },
  // Issue 26 finding 2: one token minting unique proofs fills the memory store; it used to answer
  // 503 replay_unavailable to every client. Now only the flooding key's window shrinks.
  {
    name: 'dpop: replay store full of one key: another key → 200',
    options: (env) => dpopOptions({ replay: createMemoryReplayStore({ maxEntries: 4 }) })(env),
    before: async (env, send) => {
      const { es } = await keys();
      env.state.token = await bound(env, es);
      env.state.first = await dpopRequest(env, { token: env.state.token });
      expect((await send(env.state.first)).status).toBe(200);
      for (let i = 0; i < 4; i++)
        expect((await send(await dpopRequest(env, { token: env.state.token }))).status).toBe(200);
    },
    request: async (env) => dpopRequest(env, { client: (await keys()).other }),
    expect: dpopOk(),
  },
  {
    name: 'dpop: replay store full: the flooder’s forgotten proof → 401 replayed',
    options: (env) => dpopOptions({ replay: createMemoryReplayStore({ maxEntries: 4 }) })(env),
    before: async (env, send) => {
      env.state.token = await bound(env);
      env.state.first = await dpopRequest(env, { token: env.state.token });
      expect((await send(env.state.first)).status).toBe(200);
      for (let i = 0; i < 4; i++)
        expect((await send(await dpopRequest(env, { token: env.state.token }))).status).toBe(200);
    },
    request: (env) => env.state.first,
    expect: badProof('replayed'),
  },
  {
    name: 'dpop: a cached token still needs a valid proof on every request',
    options: dpopOptions(),
    before: async (env, send) => {
      env.state.token = await bound(env);
      expect((await send(await dpopRequest(env, { token: env.state.token }))).status).toBe(200);
    },
    request: (env) => dpopRequest(env, { token: env.state.token, proof: { method: 'DELETE' } }),
    expect: badProof('method'),
  },
  // Issue 26 finding 1: the API's own URL is configured (publicUrl, else resource's origin);
  // nothing the client writes (Host, an absolute-form request line, its scheme) is taken.
  {
    name: 'dpop: Host names another server, proof for it → 401 url',
    options: fromResource(RESOURCE),
    request: (env) =>
      dpopRequest(env, { proof: { url: 'http://victim-a.example/' }, headers: { host: 'victim-a.example' } }),
    expect: badProofAt(RESOURCE, 'url'),
  },
  {
    name: 'dpop: absolute-form request line names another server → 401 url',
    options: fromResource(RESOURCE),
    request: (env) =>
      dpopRequest(env, { path: 'http://victim-a.example/', proof: { url: 'http://victim-a.example/' } }),
    expect: badProofAt(RESOURCE, 'url'),
  },
  {
    name: 'dpop: absolute-form https on a plain socket → 401 url',
    options: fromResource(LOOPBACK_RESOURCE),
    request: (env) =>
      dpopRequest(env, { path: 'https://localhost:8443/', proof: { url: 'https://localhost:8443/' } }),
    expect: badProofAt(LOOPBACK_RESOURCE, 'url'),
  },
  {
    name: 'dpop: no publicUrl, resource given: its origin is the URL → 200',
    options: fromResource(RESOURCE),
    request: (env) => dpopRequest(env, { headers: { host: 'victim-a.example' } }),
    expect: dpopOk(),
  },
  {
    name: 'dpop: publicUrl list: a proof for the second name → 200',
    options: dpopOptions({ publicUrl: ['https://api.other.test', PUBLIC] }),
    request: (env) => dpopRequest(env),
    expect: dpopOk(),
  },
  {
    name: 'dpop: publicUrl list: a name not in it → 401 url',
    options: dpopOptions({ publicUrl: ['https://api.other.test', PUBLIC] }),
    request: (env) =>
      dpopRequest(env, {
        proof: { url: 'https://victim-a.example/' },
        headers: { host: 'victim-a.example' },
      }),
    expect: badProof('url'),
  },
  {
    name: 'dpop: resource and realm appear on both challenges',
    options: dpopOptions(
      {},
      { realm: 'api', resource: 'https://api.conformance.test/', audience: 'api://conformance' },
    ),
    request: (env) => dpopRequest(env, { proof: { method: 'PUT' } }),
    expect: {
      status: 401,
      challenge:
        'Bearer realm="api", resource_metadata="https://api.conformance.test/.well-known/oauth-protected-resource", ' +
        'DPoP realm="api", error="invalid_dpop_proof", error_description={desc}, ' +
        `resource_metadata="https://api.conformance.test/.well-known/oauth-protected-resource", ${ALGS}`,
      code: 'invalid_dpop_proof',
      reason: 'method',
    },
  },
  {
    name: 'dpop: nonce required and missing → 401 use_dpop_nonce with DPoP-Nonce (RFC 9449 §8)',
    options: dpopOptions({ nonce: { secret: NONCE_SECRET } }),
    request: (env) => dpopRequest(env),
    expect: onDpop('use_dpop_nonce', 'use_dpop_nonce'),
    check: (_env, response) => expect(response.headers['dpop-nonce']).toMatch(/^[0-9a-z]+\.[\w-]{22}$/),
  },
  {
    name: 'dpop: nonce flow: retry with the nonce from DPoP-Nonce → 200',
    options: dpopOptions({ nonce: { secret: NONCE_SECRET } }),
    before: async (env, send) => {
      env.state.token = await bound(env);
      const first = await send(await dpopRequest(env, { token: env.state.token }));
      expect(first.status).toBe(401);
      env.state.nonce = first.headers['dpop-nonce'];
    },
    request: (env) => dpopRequest(env, { token: env.state.token, proof: { nonce: env.state.nonce } }),
    expect: dpopOk(),
  },
  {
    name: 'dpop: a forged nonce → 401 use_dpop_nonce',
    options: dpopOptions({ nonce: { secret: NONCE_SECRET } }),
    request: (env) =>
      dpopRequest(env, {
        proof: { nonce: `${Math.floor(Date.now() / 300_000).toString(36)}.AAAAAAAAAAAAAAAAAAAAAA` },
      }),
    expect: onDpop('use_dpop_nonce', 'use_dpop_nonce'),
  },
  {
    name: 'dpop: Authorization: DPoP without a token → 400 invalid_request',
    options: dpopOptions(),
    request: () => ({ headers: { authorization: 'DPoP' } }),
    expect: {
      status: 400,
      challenge: `Bearer error="invalid_request", error_description={desc}, DPoP ${ALGS}`,
      code: 'invalid_request',
    },
  },
  {
    name: 'dpop: the RFC 9728 metadata announces the DPoP algorithms and whether DPoP is required',
    options: dpopOptions(
      { required: true },
      {
        resource: 'https://api.conformance.test/',
        audience: 'api://conformance',
        scopesSupported: ['orders:read'],
      },
    ),
    request: () => ({ path: '/.well-known/oauth-protected-resource' }),
    expect: {
      status: 200,
      body: {
        resource: 'https://api.conformance.test/',
        authorization_servers: [ISS],
        scopes_supported: ['orders:read'],
        bearer_methods_supported: ['header'],
        dpop_signing_alg_values_supported: ['ES256', 'EdDSA'],
        dpop_bound_access_tokens_required: true,
      },
    },
  },
  ...dpopAttacks,
];
