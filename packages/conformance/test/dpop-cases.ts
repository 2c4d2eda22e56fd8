import { DPOP_ALGORITHMS, type TokengateOptions } from '@tokengate/core';
import { createDpopClient, type DpopClient, type DpopProofInput } from '@tokengate/core/testing';
import { expect } from 'vitest';
import { baseOptions, type Case, type CaseEnv, type Expected } from './cases.js';
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
    options: (env) => ({ ...baseOptions(env), dpop: 'allowed' }),
    request: () => ({}),
    expect: {
      status: 401,
      challenge: `Bearer, DPoP algs="${DPOP_ALGORITHMS.join(' ')}"`,
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
];
