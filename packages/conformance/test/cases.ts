import { createHmac } from 'node:crypto';
import {
  type AuthErrorCode,
  type AuthErrorReason,
  createMemoryRevocationStore,
  type TokengateOptions,
} from '@tokengate/core';
import { expect } from 'vitest';
import { z } from 'zod';
import { AUD, type Fixtures, ISS, ISS2 } from './fixtures.js';
import type { CaseRequest, CaseResponse, Driver, GuardName } from './routes.js';

/** What a case can use: fixtures, the framework under test, and a scratch space shared by its steps. */
export interface CaseEnv {
  readonly f: Fixtures;
  readonly driver: Driver;
  /** Hook calls recorded by the case's options. */
  readonly events: { hook: 'onAuthenticated' | 'onError'; event: any }[];
  readonly state: Record<string, any>;
  /** The route prefix the case runs under (`''`, `/me`, `/guard/<name>`…), for DPoP `htu`. */
  readonly path: string;
}

export interface Expected {
  status: number;
  /**
   * The exact `WWW-Authenticate` value; `{desc}` stands for the quoted `error_description`,
   * which must equal the JSON body's. Omitted: the header must be absent.
   */
  challenge?: string;
  /** The error body's `code` (errors only). */
  code?: AuthErrorCode;
  /** The error body's `reason`. */
  reason?: AuthErrorReason;
  /** Success only: the handler's view of `auth` (matched as a subset), or `null` for anonymous. */
  auth?: Record<string, unknown> | null;
  /** Success only: `authError` the handler saw (with `invalidTokens: 'anonymous'`). */
  authError?: { code: AuthErrorCode; reason?: AuthErrorReason };
  /** A response that is not the handler's summary (metadata documents): the exact JSON body. */
  body?: unknown;
  /** The exact response text (e.g. `''` for HEAD and 204). */
  text?: string;
}

export interface Case {
  name: string;
  /** Runs first (before `options`), e.g. to start a loopback identity provider into `env.state`. */
  setup?(env: CaseEnv): Promise<void>;
  /** Runs last, whatever happened. */
  teardown?(env: CaseEnv): Promise<void>;
  /** Options of `jwtAuth`; default {@link base}. */
  options?(env: CaseEnv): TokengateOptions<any>;
  /**
   * Options of a second `jwtAuth`, mounted after the first on the routes under `/inner/`: the
   * case's route (and its requests) are then those behind both middlewares.
   */
  inner?(env: CaseEnv): TokengateOptions<any>;
  /** The route: `/` by default; a guard runs once as middleware and once as a decorator. */
  route?: { guard: GuardName } | '/me';
  request(env: CaseEnv): CaseRequest | Promise<CaseRequest>;
  /** Requests to make first (e.g. to fill the verified-token cache). */
  before?(env: CaseEnv, send: (request: CaseRequest) => Promise<CaseResponse>): Promise<void>;
  expect: Expected;
  /** Extra assertions (hook events). */
  check?(env: CaseEnv, response: CaseResponse): void;
  /**
   * The request's path has no route: `jwtAuth` answers it as app-wide middleware does, but on a
   * driver that authenticates routes only (`Driver.routesOnly`: Nest's guard) it is the
   * framework's 404, without a challenge.
   */
  unrouted?: true;
}

export const BEARER = 'Bearer';
export const INVALID_TOKEN = 'Bearer error="invalid_token", error_description={desc}';
export const INVALID_REQUEST = 'Bearer error="invalid_request", error_description={desc}';
export const INSUFFICIENT = 'Bearer error="insufficient_scope", error_description={desc}';

/** The options of a case that names none: HS256 secret, issuer and audience. */
export const baseOptions = ({ f }: CaseEnv): TokengateOptions<any> => ({
  secret: f.hs.secret!,
  issuer: ISS,
  audience: AUD,
});
const bearer = (token: string, extra: Record<string, string> = {}): CaseRequest => ({
  headers: { authorization: `Bearer ${token}`, ...extra },
});
const valid = (env: CaseEnv, claims: Record<string, unknown> = {}) =>
  env.f.hs.sign({ sub: 'alice', ...claims });
const now = () => Math.floor(Date.now() / 1000);
/** An HS256 token with the header and claims exactly as written (claims as an object get iss, aud and exp). */
const hs256 = (env: CaseEnv, header: string, claims: string | Record<string, unknown>): string => {
  const body =
    typeof claims === 'string' ? claims : JSON.stringify({ iss: ISS, aud: AUD, exp: now() + 600, ...claims });
  const input = `${Buffer.from(header).toString('base64url')}.${Buffer.from(body).toString('base64url')}`;
  return `${input}.${createHmac('sha256', env.f.hs.secret!).update(input).digest('base64url')}`;
};

const ok = (auth: Record<string, unknown> | null = { subject: 'alice' }): Expected => ({ status: 200, auth });
const invalidToken = (reason: AuthErrorReason): Expected => ({
  status: 401,
  challenge: INVALID_TOKEN,
  code: 'invalid_token',
  reason,
});
const invalidRequest: Expected = { status: 400, challenge: INVALID_REQUEST, code: 'invalid_request' };
const missing: Expected = { status: 401, challenge: BEARER, code: 'missing_token' };

const transport: Case[] = [
  { name: 'no token → 401, challenge without error', request: () => ({}), expect: missing },
  {
    name: 'no token with realm → challenge announces the realm',
    options: (env) => ({ ...baseOptions(env), realm: 'orders' }),
    request: () => ({}),
    expect: { ...missing, challenge: 'Bearer realm="orders"' },
  },
  {
    // Issue 26 finding 8: RFC 9110 §5.6.4 quoted-pairs keep the realm as configured.
    name: 'realm with quotes and a backslash → escaped',
    options: (env) => ({ ...baseOptions(env), realm: 'my "quoted" a\\pi' }),
    request: async (env) => bearer(await env.f.hs.sign({}, { defect: 'expired' })),
    expect: {
      ...invalidToken('expired'),
      challenge: 'Bearer realm="my \\"quoted\\" a\\\\pi", error="invalid_token", error_description={desc}',
    },
  },
  {
    name: 'bad token with realm → realm then error',
    options: (env) => ({ ...baseOptions(env), realm: 'orders' }),
    request: async (env) => bearer(await env.f.hs.sign({}, { defect: 'expired' })),
    expect: {
      ...invalidToken('expired'),
      challenge: 'Bearer realm="orders", error="invalid_token", error_description={desc}',
    },
  },
  {
    name: 'valid token → 200 with context fields',
    request: async (env) =>
      bearer(await valid(env, { scope: 'orders:read orders:write', scp: ['extra'], roles: ['admin'] })),
    expect: ok({
      subject: 'alice',
      issuer: ISS,
      scopes: ['extra', 'orders:read', 'orders:write'],
      roles: ['admin'],
      hasToken: true,
    }),
  },
  {
    name: 'lower-case scheme is accepted',
    request: async (env) => ({ headers: { authorization: `bearer ${await valid(env)}` } }),
    expect: ok(),
  },
  {
    name: 'several spaces after the scheme are accepted',
    request: async (env) => ({ headers: { authorization: `Bearer    ${await valid(env)}` } }),
    expect: ok(),
  },
  {
    name: 'Bearer with no token → 400',
    request: () => ({ headers: { authorization: 'Bearer' } }),
    expect: invalidRequest,
  },
  {
    name: 'tab after the scheme → 400',
    request: async (env) => ({ headers: { authorization: `Bearer\t${await valid(env)}` } }),
    expect: invalidRequest,
  },
  {
    name: 'two credentials in one header → 400',
    request: async (env) => {
      const token = await valid(env);
      return { headers: { authorization: `Bearer ${token}, Bearer ${token}` } };
    },
    expect: invalidRequest,
  },
  {
    name: 'Basic then Bearer in one header → 400',
    request: async (env) => ({
      headers: { authorization: `Basic dXNlcjpwYXNz, Bearer ${await valid(env)}` },
    }),
    expect: invalidRequest,
  },
  {
    name: 'two Authorization header lines → 400',
    request: async (env) => {
      const token = await valid(env);
      return { headers: { authorization: [`Bearer ${token}`, `Bearer ${token}`] } };
    },
    expect: invalidRequest,
  },
  {
    name: 'another scheme → 401 without error (no bearer credentials)',
    request: () => ({ headers: { authorization: 'Basic dXNlcjpwYXNz' } }),
    expect: missing,
  },
  {
    name: 'too-large token → 401 too_large',
    request: () => bearer('a'.repeat(9000)),
    expect: invalidToken('too_large'),
  },
  {
    name: 'maxTokenLength lowers the limit',
    options: (env) => ({ ...baseOptions(env), maxTokenLength: 64 }),
    request: async (env) => bearer(await valid(env)),
    expect: invalidToken('too_large'),
  },
  {
    name: 'not a JWT → 401 malformed',
    request: () => bearer('abc.def.ghi'),
    expect: invalidToken('malformed'),
  },
  {
    name: 'cookie source',
    options: (env) => ({ ...baseOptions(env), tokenSources: [{ cookie: 'access_token' }] }),
    request: async (env) => ({ headers: { cookie: `theme=dark; access_token=${await valid(env)}` } }),
    expect: ok(),
  },
  {
    name: 'cookie source configured: a header token is not looked at',
    options: (env) => ({ ...baseOptions(env), tokenSources: [{ cookie: 'access_token' }] }),
    request: async (env) => bearer(await valid(env)),
    expect: missing,
  },
  {
    name: 'token cookie sent twice → 400 invalid_request (which one counts would be a guess)',
    options: (env) => ({ ...baseOptions(env), tokenSources: [{ cookie: 'access_token' }] }),
    request: async (env) => ({
      headers: {
        cookie: `access_token=${await valid(env)}; theme=dark; access_token=${await valid(env, { sub: 'eve' })}`,
      },
    }),
    expect: invalidRequest,
  },
  {
    name: 'an empty first token cookie does not hide a second one → 400 invalid_request',
    options: (env) => ({ ...baseOptions(env), tokenSources: [{ cookie: 'access_token' }, 'header'] }),
    request: async (env) => ({
      headers: {
        cookie: `access_token=; access_token=${await valid(env)}`,
        authorization: `Bearer ${await valid(env)}`,
      },
    }),
    expect: invalidRequest,
  },
  {
    name: 'another cookie sent twice is not our business',
    options: (env) => ({ ...baseOptions(env), tokenSources: [{ cookie: 'access_token' }] }),
    request: async (env) => ({
      headers: { cookie: `theme=dark; theme=light; access_token=${await valid(env)}` },
    }),
    expect: ok(),
  },
  {
    name: 'header then cookie: the first source that holds a token wins',
    options: (env) => ({ ...baseOptions(env), tokenSources: ['header', { cookie: 'access_token' }] }),
    request: async (env) => ({
      headers: { cookie: `access_token=${await valid(env, { sub: 'from-cookie' })}` },
    }),
    expect: ok({ subject: 'from-cookie' }),
  },
  {
    name: 'query token is ignored by default',
    request: async (env) => ({ path: `/?access_token=${await valid(env)}` }),
    expect: missing,
  },
  {
    name: 'query source when configured',
    options: (env) => ({ ...baseOptions(env), tokenSources: [{ query: 'access_token' }] }),
    request: async (env) => ({ path: `/?access_token=${await valid(env)}` }),
    expect: ok(),
  },
  // Issue 26, consistency: two RFC 6750 methods carrying a token are a 400 (§3.1), as auth0's
  // library answers and as tokengate answers a repeated cookie; a cookie stays a fallback.
  ...(
    [
      ['header', { query: 'access_token' }],
      [{ query: 'access_token' }, 'header'],
    ] as const
  ).map(
    (tokenSources): Case => ({
      name: `header and query both carry a token (${typeof tokenSources[0] === 'string' ? 'header first' : 'query first'}) → 400`,
      options: (env) => ({ ...baseOptions(env), tokenSources: [...tokenSources] }),
      request: async (env) => ({ ...bearer(await valid(env)), path: `/?access_token=${await valid(env)}` }),
      expect: invalidRequest,
    }),
  ),
  {
    name: 'header and query: the same token twice is still two methods → 400',
    options: (env) => ({ ...baseOptions(env), tokenSources: ['header', { query: 'access_token' }] }),
    request: async (env) => {
      const token = await valid(env);
      return { ...bearer(token), path: `/?access_token=${token}` };
    },
    expect: invalidRequest,
  },
  {
    name: 'header and query configured, a Basic header and a query token → 200 (no bearer in the header)',
    options: (env) => ({ ...baseOptions(env), tokenSources: ['header', { query: 'access_token' }] }),
    request: async (env) => ({
      headers: { authorization: 'Basic dTpw' },
      path: `/?access_token=${await valid(env)}`,
    }),
    expect: ok(),
  },
  {
    name: 'header and cookie both carry a token: the first listed wins (a cookie is ambient)',
    options: (env) => ({ ...baseOptions(env), tokenSources: ['header', { cookie: 'access_token' }] }),
    request: async (env) => ({
      headers: {
        authorization: `Bearer ${await valid(env, { sub: 'from-header' })}`,
        cookie: `access_token=${await valid(env, { sub: 'from-cookie' })}`,
      },
    }),
    expect: ok({ subject: 'from-header' }),
  },
  {
    name: 'header nested 100,000 levels deep, via getToken with a large maxTokenLength → 401 malformed, never 500',
    options: (env) => ({ ...baseOptions(env), maxTokenLength: 1_000_000, getToken: () => env.state.token }),
    request: (env) => {
      env.state.token = hs256(env, `{"alg":"HS256","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, {
        sub: 'alice',
      });
      return {};
    },
    expect: invalidToken('malformed'),
  },
  {
    name: 'header nested 9 levels deep (JOSE headers nest 2) → 401 malformed',
    request: (env) =>
      bearer(hs256(env, `{"alg":"HS256","x":${'['.repeat(9)}${']'.repeat(9)}}`, { sub: 'alice' })),
    expect: invalidToken('malformed'),
  },
  {
    name: 'getToken receives the framework request',
    options: (env) => ({
      ...baseOptions(env),
      getToken: (raw: unknown) => {
        env.state.native = env.driver.isNative(raw);
        return env.driver.readHeader(raw, 'x-api-token');
      },
    }),
    request: async (env) => ({ headers: { 'x-api-token': await valid(env) } }),
    expect: ok(),
    check: (env) => {
      if (env.state.native !== true) throw new Error('getToken did not receive the framework request');
    },
  },
  {
    name: 'async getToken returning nothing → 401 missing',
    options: (env) => ({ ...baseOptions(env), getToken: async () => undefined }),
    request: async (env) => bearer(await valid(env)),
    expect: missing,
  },
  {
    name: 'CORS preflight passes untouched',
    request: () => ({
      method: 'OPTIONS',
      headers: { origin: 'https://app.test', 'access-control-request-method': 'DELETE' },
    }),
    expect: ok(null),
  },
  {
    name: 'OPTIONS without Access-Control-Request-Method is not a preflight',
    request: () => ({ method: 'OPTIONS' }),
    expect: missing,
  },
];

const tokens: Case[] = [
  {
    name: 'expired → 401 expired',
    request: async (env) => bearer(await env.f.hs.sign({}, { defect: 'expired' })),
    expect: invalidToken('expired'),
  },
  {
    name: 'nbf in the future → 401 not_yet_valid',
    request: async (env) => bearer(await env.f.hs.sign({}, { notBefore: '1h' })),
    expect: invalidToken('not_yet_valid'),
  },
  {
    name: 'iat in the future → 401 not_yet_valid',
    request: async (env) => bearer(await env.f.hs.sign({}, { issuedAt: now() + 3600 })),
    expect: invalidToken('not_yet_valid'),
  },
  {
    name: 'wrong issuer → 401 issuer',
    request: async (env) => bearer(await env.f.hs.sign({}, { issuer: 'https://evil.test/' })),
    expect: invalidToken('issuer'),
  },
  {
    name: 'wrong audience → 401 audience',
    request: async (env) => bearer(await env.f.hs.sign({}, { audience: 'api://other' })),
    expect: invalidToken('audience'),
  },
  {
    name: 'tampered payload → 401 bad_signature',
    request: async (env) => bearer(await env.f.hs.sign({}, { defect: 'tampered' })),
    expect: invalidToken('bad_signature'),
  },
  {
    name: 'signed with another key → 401 bad_signature',
    request: async (env) => bearer(await env.f.hs.sign({}, { defect: 'wrong-key' })),
    expect: invalidToken('bad_signature'),
  },
  {
    name: 'alg not allowed (HS384 against the HS256 default) → 401',
    request: async (env) => bearer(await env.f.hs.sign({}, { alg: 'HS384' })),
    expect: invalidToken('alg_not_allowed'),
  },
  {
    name: 'alg none → 401 alg_not_allowed',
    request: async (env) => bearer(await env.f.hs.sign({}, { alg: 'none' })),
    expect: invalidToken('alg_not_allowed'),
  },
  {
    name: 'algorithm confusion (HS256 keyed by the RSA public key) → 401',
    options: ({ f }) => ({ publicKey: f.rs.publicKeyPem!, issuer: ISS, audience: AUD }),
    request: async (env) => bearer(await env.f.rs.sign({}, { alg: 'HS256' })),
    expect: invalidToken('alg_not_allowed'),
  },
  {
    name: 'typ option: at+jwt accepted',
    options: (env) => ({ ...baseOptions(env), typ: 'at+jwt' }),
    request: async (env) =>
      bearer(await env.f.hs.sign({ sub: 'alice', client_id: 'app' }, { typ: 'application/at+jwt' })),
    expect: ok(),
  },
  {
    // Issue 23: `typ: 'at+jwt'` is RFC 9068 whole (§2.2's claims, `client_id` a string).
    name: 'typ option: at+jwt without client_id → 401 claims',
    options: (env) => ({ ...baseOptions(env), typ: 'at+jwt' }),
    request: async (env) => bearer(await env.f.hs.sign({ sub: 'alice' }, { typ: 'at+jwt' })),
    expect: invalidToken('claims'),
  },
  {
    name: 'typ option: JWT refused when at+jwt is required',
    options: (env) => ({ ...baseOptions(env), typ: 'at+jwt' }),
    request: async (env) => bearer(await valid(env)),
    expect: invalidToken('type'),
  },
  {
    // Issue 26 finding 6: "" and "application/" are not "no typ".
    name: 'typ "application/" (empty media type) → 401 type',
    request: (env) => bearer(hs256(env, '{"alg":"HS256","typ":"application/"}', { sub: 'alice' })),
    expect: invalidToken('type'),
  },
  {
    name: 'typ "" → 401 type',
    request: (env) => bearer(hs256(env, '{"alg":"HS256","typ":""}', { sub: 'alice' })),
    expect: invalidToken('type'),
  },
  {
    name: 'secret rotation list: the new secret verifies',
    options: ({ f }) => ({ secret: [f.hs2.secret!, f.hs.secret!], issuer: ISS, audience: AUD }),
    request: async (env) => bearer(await valid(env)),
    expect: ok(),
  },
  {
    name: 'secret rotation list: a secret outside the list fails',
    options: ({ f }) => ({ secret: [f.hs2.secret!], issuer: ISS, audience: AUD }),
    request: async (env) => bearer(await valid(env)),
    expect: invalidToken('bad_signature'),
  },
  ...[ISS, ISS2].map(
    (iss): Case => ({
      name: `secret function picks the key by iss (${iss})`,
      options: ({ f }) => ({
        secret: ({ payload }) =>
          payload.iss === ISS ? f.hs.secret : payload.iss === ISS2 ? f.hs2.secret : undefined,
        issuer: [ISS, ISS2, 'https://tenant3.test/'],
        audience: AUD,
      }),
      request: async (env) => bearer(await (iss === ISS ? env.f.hs : env.f.hs2).sign({ sub: 'alice' })),
      expect: ok({ subject: 'alice', issuer: iss }),
    }),
  ),
  {
    name: 'secret function returning undefined → 401 unknown_key',
    options: ({ f }) => ({
      secret: ({ payload }) => (payload.iss === ISS ? f.hs.secret : undefined),
      issuer: [ISS, 'https://tenant3.test/'],
      audience: AUD,
    }),
    request: async (env) => bearer(await env.f.hs.sign({}, { issuer: 'https://tenant3.test/' })),
    expect: invalidToken('unknown_key'),
  },
  {
    name: 'secret function that throws → the framework error path (500, no challenge)',
    options: () => ({
      secret: () => {
        throw new Error('database is down');
      },
      issuer: ISS,
      audience: AUD,
    }),
    request: async (env) => bearer(await valid(env)),
    expect: { status: 500 },
  },
  {
    name: 'publicKey as PEM',
    options: ({ f }) => ({ publicKey: f.rs.publicKeyPem!, issuer: ISS, audience: AUD }),
    request: async (env) => bearer(await env.f.rs.sign({ sub: 'alice' })),
    expect: ok(),
  },
  {
    name: 'publicKey as JWK',
    options: ({ f }) => ({ publicKey: f.rs.publicJwk as JsonWebKey, issuer: ISS, audience: AUD }),
    request: async (env) => bearer(await env.f.rs.sign({ sub: 'alice' })),
    expect: ok(),
  },
  {
    name: 'publicKey refuses a token of another key',
    options: ({ f }) => ({ publicKey: f.rs.publicKeyPem!, issuer: ISS, audience: AUD }),
    request: (env) => bearer(env.f.oldKeyToken),
    expect: invalidToken('bad_signature'),
  },
  {
    name: 'local jwks: the current key (by kid)',
    options: ({ f }) => ({ jwks: f.rs.jwks as { keys: JsonWebKey[] }, issuer: ISS, audience: AUD }),
    request: async (env) => bearer(await env.f.rs.sign({ sub: 'alice' })),
    expect: ok(),
  },
  {
    name: 'local jwks: the previous key (by kid)',
    options: ({ f }) => ({ jwks: f.rs.jwks as { keys: JsonWebKey[] }, issuer: ISS, audience: AUD }),
    request: (env) => bearer(env.f.oldKeyToken),
    expect: ok({ subject: 'old-key' }),
  },
  {
    name: 'local jwks: unknown kid → 401 unknown_key',
    options: ({ f }) => ({ jwks: f.rs.jwks as { keys: JsonWebKey[] }, issuer: ISS, audience: AUD }),
    request: async (env) => bearer(await env.f.rs.sign({}, { kid: 'no-such-key' })),
    expect: invalidToken('unknown_key'),
  },
  {
    name: 'claims schema (zod): claims validated and parsed',
    options: (env) => ({
      ...baseOptions(env),
      claims: z.object({ sub: z.string(), tenant: z.enum(['acme', 'globex']) }),
    }),
    request: async (env) => bearer(await valid(env, { tenant: 'acme', extra: 'dropped by zod' })),
    expect: ok({ subject: 'alice', claims: { sub: 'alice', tenant: 'acme' } }),
  },
  {
    name: 'claims schema (zod): invalid claims → 401 claims',
    options: (env) => ({
      ...baseOptions(env),
      claims: z.object({ sub: z.string(), tenant: z.enum(['acme', 'globex']) }),
    }),
    request: async (env) => bearer(await valid(env, { tenant: 'initech' })),
    expect: invalidToken('claims'),
  },
];

const modes: Case[] = [
  {
    name: 'credentialsRequired: false → anonymous request passes',
    options: (env) => ({ ...baseOptions(env), credentialsRequired: false }),
    request: () => ({}),
    expect: ok(null),
  },
  {
    name: 'credentialsRequired: false → a valid token still authenticates',
    options: (env) => ({ ...baseOptions(env), credentialsRequired: false }),
    request: async (env) => bearer(await valid(env)),
    expect: ok(),
  },
  {
    name: 'credentialsRequired: false → a bad token is still 401',
    options: (env) => ({ ...baseOptions(env), credentialsRequired: false }),
    request: async (env) => bearer(await env.f.hs.sign({}, { defect: 'expired' })),
    expect: invalidToken('expired'),
  },
  {
    name: "invalidTokens: 'anonymous' → a bad token passes with authError",
    options: (env) => ({ ...baseOptions(env), credentialsRequired: false, invalidTokens: 'anonymous' }),
    request: async (env) => bearer(await env.f.hs.sign({}, { defect: 'expired' })),
    expect: { status: 200, auth: null, authError: { code: 'invalid_token', reason: 'expired' } },
  },
  {
    name: "invalidTokens: 'anonymous' → a malformed header passes with authError",
    options: (env) => ({ ...baseOptions(env), credentialsRequired: false, invalidTokens: 'anonymous' }),
    request: () => ({ headers: { authorization: 'Bearer' } }),
    expect: { status: 200, auth: null, authError: { code: 'invalid_request' } },
  },
  {
    name: 'getAuth() on an anonymous request → 401',
    options: (env) => ({ ...baseOptions(env), credentialsRequired: false }),
    route: '/me',
    request: () => ({}),
    expect: missing,
  },
  {
    name: 'getAuth() on an authenticated request',
    route: '/me',
    request: async (env) => bearer(await valid(env)),
    expect: ok(),
  },
];

const revocation: Case[] = [
  {
    name: 'isRevoked predicate → 401 revoked',
    options: (env) => ({ ...baseOptions(env), isRevoked: (auth) => auth.subject === 'mallory' }),
    request: async (env) => bearer(await valid(env, { sub: 'mallory' })),
    expect: invalidToken('revoked'),
  },
  {
    name: 'isRevoked predicate → other tokens pass',
    options: (env) => ({ ...baseOptions(env), isRevoked: async (auth) => auth.subject === 'mallory' }),
    request: async (env) => bearer(await valid(env)),
    expect: ok(),
  },
  // Issue 26 finding 7: a revocation check that cannot answer fails closed like the stores
  // (503 with Retry-After), on a miss and on a cache hit; its error reaches onError, not the client.
  ...(['throws', 'rejects'] as const).flatMap((how): Case[] =>
    [false, true].map((cached) => ({
      name: `isRevoked ${how}${cached ? ' (cache hit)' : ''} → 503 revocation_unavailable`,
      options: (env) => ({
        ...baseOptions(env),
        isRevoked: () => {
          if (!env.state.down) return false;
          const error = new Error('db at postgres://admin:hunter2@db.internal is down');
          if (how === 'throws') throw error;
          return Promise.reject(error);
        },
        onError: record(env, 'onError'),
      }),
      before: async (env, send) => {
        env.state.token = await valid(env);
        if (cached) expect((await send(bearer(env.state.token))).status).toBe(200);
        env.state.down = true;
      },
      request: (env) => bearer(env.state.token),
      expect: { status: 503, code: 'revocation_unavailable' },
      check: (env, response) => {
        expect(response.headers['retry-after']).toMatch(/^\d+$/);
        expect(response.text).not.toContain('hunter2');
        const event = env.events.find((e) => e.hook === 'onError')?.event;
        expect(event?.error?.cause?.message).toContain('db at');
      },
    })),
  ),
  {
    name: 'memory revocation store: a revoked jti is refused even when the token is cached',
    options: (env) => {
      env.state.store = createMemoryRevocationStore();
      return { ...baseOptions(env), revocation: env.state.store };
    },
    async before(env, send) {
      env.state.token = await valid(env, { jti: 'token-1' });
      const first = await send(bearer(env.state.token));
      if (first.status !== 200) throw new Error(`warm-up request answered ${first.status}`);
      await env.state.store.revoke('token-1', now() + 600);
    },
    request: (env) => bearer(env.state.token),
    expect: invalidToken('revoked'),
  },
  {
    name: 'memory revocation store: revokeSubject cuts off earlier tokens',
    options: (env) => {
      env.state.store = createMemoryRevocationStore();
      return { ...baseOptions(env), revocation: env.state.store };
    },
    async before(env) {
      env.state.token = await env.f.hs.sign({ sub: 'alice' }, { issuedAt: now() - 60 });
      await env.state.store.revokeSubject('alice', new Date());
    },
    request: (env) => bearer(env.state.token),
    expect: invalidToken('revoked'),
  },
];

const record =
  (env: CaseEnv, hook: 'onAuthenticated' | 'onError') =>
  (event: unknown): void => {
    env.events.push({ hook, event });
  };

const hooks: Case[] = [
  {
    name: 'onAuthenticated receives the context without the token, and the framework request',
    options: (env) => ({
      ...baseOptions(env),
      onAuthenticated: record(env, 'onAuthenticated'),
      onError: record(env, 'onError'),
    }),
    request: async (env) => bearer(await valid(env)),
    expect: ok(),
    check(env) {
      const [entry, more] = env.events;
      if (!entry || more || entry.hook !== 'onAuthenticated')
        throw new Error('expected one onAuthenticated call');
      if ('token' in entry.event.auth) throw new Error('onAuthenticated received the raw token');
      if (entry.event.auth.subject !== 'alice') throw new Error('onAuthenticated lacks the context');
      if (!env.driver.isNative(entry.event.request))
        throw new Error('onAuthenticated lacks the framework request');
    },
  },
  {
    name: 'onError receives the error',
    options: (env) => ({
      ...baseOptions(env),
      onAuthenticated: record(env, 'onAuthenticated'),
      onError: record(env, 'onError'),
    }),
    request: async (env) => bearer(await env.f.hs.sign({}, { defect: 'expired' })),
    expect: invalidToken('expired'),
    check(env) {
      const [entry, more] = env.events;
      if (!entry || more || entry.hook !== 'onError') throw new Error('expected one onError call');
      if (entry.event.error.reason !== 'expired') throw new Error('onError did not receive the error');
      if (!env.driver.isNative(entry.event.request)) throw new Error('onError lacks the framework request');
    },
  },
  {
    name: 'throwing hooks do not break the request',
    options: (env) => ({
      ...baseOptions(env),
      onAuthenticated: () => {
        throw new Error('metrics backend down');
      },
      onError: async () => {
        throw new Error('log sink down');
      },
    }),
    request: async (env) => bearer(await valid(env)),
    expect: ok(),
  },
  {
    name: 'a throwing onError does not change the refusal',
    options: (env) => ({
      ...baseOptions(env),
      onError: () => {
        throw new Error('log sink down');
      },
    }),
    request: () => ({}),
    expect: missing,
  },
];

const scopeChallenge = (scopes: string) => `${INSUFFICIENT}, scope="${scopes}"`;
const forbidden = (code: AuthErrorCode, challenge = INSUFFICIENT): Expected => ({
  status: 403,
  challenge,
  code,
});
const guardCase = (
  guard: GuardName,
  name: string,
  claims: Record<string, unknown>,
  expect: Expected,
): Case => ({
  name: `${guard}: ${name}`,
  route: { guard },
  request: async (env) => bearer(await valid(env, claims)),
  expect,
});

const guards: Case[] = [
  guardCase('authenticated', 'authenticated → 200', {}, ok()),
  guardCase('scope', 'all scopes held → 200', { scope: 'orders:read orders:write' }, ok()),
  guardCase(
    'scope',
    'one scope missing → 403 insufficient_scope with scope=',
    { scope: 'orders:read' },
    { ...forbidden('insufficient_scope', scopeChallenge('orders:read orders:write')) },
  ),
  guardCase('anyScope', 'one of the scopes (scp array) → 200', { scp: ['orders:admin'] }, ok()),
  guardCase(
    'anyScope',
    'none of the scopes → 403',
    { scope: 'profile' },
    forbidden('insufficient_scope', scopeChallenge('orders:read orders:admin')),
  ),
  guardCase('role', 'role held → 200', { roles: ['admin', 'user'] }, ok()),
  guardCase(
    'role',
    'role missing → 403 insufficient_role',
    { roles: ['user'] },
    forbidden('insufficient_role'),
  ),
  guardCase('anyRole', 'one role (role as a string) → 200', { role: 'support' }, ok()),
  guardCase(
    'anyRole',
    'no accepted role (groups) → 403',
    { groups: ['staff'] },
    forbidden('insufficient_role'),
  ),
  guardCase('claimsPartial', 'partial claims match → 200', { tenant: 'acme', email_verified: true }, ok()),
  guardCase(
    'claimsPartial',
    'partial claims differ → 403 insufficient_claims',
    { tenant: 'acme', email_verified: false },
    forbidden('insufficient_claims'),
  ),
  guardCase('claimsPredicate', 'predicate true → 200', { tenant: 'acme', scope: 'orders:read' }, ok()),
  guardCase('claimsPredicate', 'predicate false → 403', { tenant: 'acme' }, forbidden('insufficient_claims')),
  {
    name: 'scope: a failed guard announces the realm of the middleware',
    options: (env) => ({ ...baseOptions(env), realm: 'orders' }),
    route: { guard: 'scope' },
    request: async (env) => bearer(await valid(env, { scope: 'orders:read' })),
    expect: forbidden(
      'insufficient_scope',
      'Bearer realm="orders", error="insufficient_scope", error_description={desc}, scope="orders:read orders:write"',
    ),
  },
  {
    name: 'role: a failed guard announces the realm of the middleware',
    options: (env) => ({ ...baseOptions(env), realm: 'orders' }),
    route: { guard: 'role' },
    request: async (env) => bearer(await valid(env, { roles: ['user'] })),
    expect: forbidden(
      'insufficient_role',
      'Bearer realm="orders", error="insufficient_scope", error_description={desc}',
    ),
  },
  ...(
    ['authenticated', 'scope', 'anyScope', 'role', 'anyRole', 'claimsPartial', 'claimsPredicate'] as const
  ).map(
    (guard): Case => ({
      name: `${guard}: no auth context → 401`,
      options: (env) => ({ ...baseOptions(env), credentialsRequired: false }),
      route: { guard },
      request: () => ({}),
      expect: missing,
    }),
  ),
];

/**
 * Issue 11 item 4: a `claims` schema that drops members (zod's `z.object` drops what it does not
 * list) changes `auth.claims` only; revocation and the guards read the verified `payload`.
 */
const strippingSchema = z.object({ tenant: z.string() });
const payloadPolicy: Case[] = [
  {
    name: 'schema that strips jti: revoke(jti) still refuses the token (401 revoked), cached or not',
    setup: async (env) => {
      env.state.store = createMemoryRevocationStore();
    },
    options: (env) => ({ ...baseOptions(env), claims: strippingSchema, revocation: env.state.store }),
    async before(env, send) {
      env.state.token = await valid(env, { jti: 'strip-1', tenant: 'acme' });
      const first = await send(bearer(env.state.token));
      if (first.status !== 200 || first.body.auth.claims.jti !== undefined)
        throw new Error(`warm-up: ${first.status} ${first.text}`);
      await env.state.store.revoke('strip-1', now() + 600);
    },
    request: (env) => bearer(env.state.token),
    expect: invalidToken('revoked'),
  },
  {
    name: 'schema that strips sub: revokeSubject(sub) still refuses the token (401 revoked)',
    setup: async (env) => {
      env.state.store = createMemoryRevocationStore();
    },
    options: (env) => ({ ...baseOptions(env), claims: strippingSchema, revocation: env.state.store }),
    async before(env, send) {
      env.state.token = await env.f.hs.sign({ sub: 'alice', tenant: 'acme' }, { issuedAt: now() - 60 });
      const first = await send(bearer(env.state.token));
      if (first.status !== 200) throw new Error(`warm-up: ${first.status} ${first.text}`);
      await env.state.store.revokeSubject('alice');
    },
    request: (env) => bearer(env.state.token),
    expect: invalidToken('revoked'),
  },
  {
    name: 'schema that strips members: claims is the schema output, payload the verified token',
    options: (env) => ({ ...baseOptions(env), claims: strippingSchema }),
    request: async (env) => bearer(await valid(env, { jti: 'j-1', tenant: 'acme', scope: 'orders:read' })),
    expect: ok({
      subject: 'alice',
      scopes: ['orders:read'],
      claims: { tenant: 'acme' },
      payload: { sub: 'alice', jti: 'j-1', tenant: 'acme', scope: 'orders:read', iss: ISS, aud: AUD },
    }),
    check(_env, response) {
      if (Object.keys(response.body.auth.claims).length !== 1)
        throw new Error('claims are not the schema output');
    },
  },
  {
    name: 'schema that strips members: requireClaims({…}) matches the payload',
    options: (env) => ({ ...baseOptions(env), claims: strippingSchema }),
    route: { guard: 'claimsPartial' },
    request: async (env) => bearer(await valid(env, { tenant: 'acme', email_verified: true })),
    expect: ok({ claims: { tenant: 'acme' } }),
  },
];

/**
 * Issue 11 item 5: after any `jwtAuth` runs, the framework's slots hold exactly what it
 * concluded; an earlier middleware's context never survives a later one that did not authenticate.
 */
const ORDERS = 'api://orders';
const ADMIN = 'api://admin';
const nested =
  (audience: string, extra: Partial<TokengateOptions<any>> = {}) =>
  (env: CaseEnv) => ({
    ...baseOptions(env),
    audience,
    credentialsRequired: false,
    ...extra,
  });
const ordersToken = (env: CaseEnv) =>
  env.f.hs.sign({ sub: 'alice', roles: ['admin'] }, { audience: ORDERS }).then((t) => bearer(t));
const laterMiddleware: Case[] = [
  {
    name: 'nested jwtAuth: an orders token is not admitted by the admin middleware + requireRole (401)',
    options: nested(ORDERS),
    inner: nested(ADMIN, { invalidTokens: 'anonymous' }),
    route: { guard: 'role' },
    request: ordersToken,
    expect: missing,
  },
  {
    name: 'nested jwtAuth: the later middleware that refused the token leaves no context, only its error',
    options: nested(ORDERS),
    inner: nested(ADMIN, { invalidTokens: 'anonymous' }),
    request: ordersToken,
    expect: { ...ok(null), authError: { code: 'invalid_token', reason: 'audience' } },
  },
  {
    name: 'nested jwtAuth: a later middleware that found no credentials clears the earlier context',
    options: nested(ORDERS),
    inner: nested(ADMIN, { tokenSources: [{ cookie: 'admin_token' }] }),
    request: ordersToken,
    expect: ok(null),
  },
  {
    name: 'nested jwtAuth: a later middleware that authenticates clears the earlier error',
    options: nested(ADMIN, { invalidTokens: 'anonymous' }),
    inner: nested(ORDERS),
    request: ordersToken,
    expect: ok({ subject: 'alice', roles: ['admin'] }),
  },
];

/**
 * Issue 11 item 6: requests that present the same token share one cached context, so nothing a
 * handler does to it may be seen by another request. `/mutate` tries to grant itself
 * `orders:write` and `admin` and to edit the claims and payload (see `mutate` in routes.ts).
 */
const mutated =
  (guard: GuardName): Case['before'] =>
  async (env, send) => {
    env.state.token = await valid(env, { scope: 'orders:read' });
    for (let i = 0; i < 2; i++) {
      const response = await send({ ...bearer(env.state.token), path: '/mutate' });
      if (response.status !== 200) throw new Error(`/mutate answered ${response.status}`);
    }
    env.state.guard = guard;
  };
const isolation: Case[] = [
  {
    name: 'a handler that adds a scope to its context does not grant it to the next request (403)',
    before: mutated('scope'),
    request: (env) => ({ ...bearer(env.state.token), path: '/guard/scope' }),
    expect: forbidden('insufficient_scope', scopeChallenge('orders:read orders:write')),
  },
  {
    name: 'a handler that adds a role to its context does not grant it to the next request (403)',
    before: mutated('role'),
    request: (env) => ({ ...bearer(env.state.token), path: '/guard/role' }),
    expect: forbidden('insufficient_role'),
  },
  {
    name: 'a handler that edits claims/payload does not change what the next request sees',
    before: mutated('claimsPartial'),
    request: (env) => ({ ...bearer(env.state.token), path: '/guard/claimsPartial' }),
    expect: forbidden('insufficient_claims'),
  },
  {
    name: 'after mutation attempts, the next request sees the context as the token made it',
    before: mutated('scope'),
    request: (env) => bearer(env.state.token),
    expect: ok({ subject: 'alice', scopes: ['orders:read'], roles: [] }),
    check(_env, response) {
      const { claims, payload } = response.body.auth;
      for (const view of [claims, payload]) {
        if ('tenant' in view || 'email_verified' in view || 'roles' in view)
          throw new Error(`a mutation leaked into the next request: ${JSON.stringify(view)}`);
      }
    },
  },
];

/**
 * Remote keys (`jwksUri`, issuer discovery against a loopback test issuer): these cases are
 * added by the lead after merging the remote-keys work. Every case here runs on every driver.
 */
export { remoteKeyCases } from './remote-cases.js';

import { cacheCases } from './cache-cases.js';
import { dpopCases } from './dpop-cases.js';
import { protocolCases } from './protocol-cases.js';
import { remoteKeyCases } from './remote-cases.js';
import { resourceCases } from './resource-cases.js';

/** The table. Adding a case here runs it on every framework. */
export const CASES: readonly Case[] = [
  ...transport,
  ...tokens,
  ...modes,
  ...revocation,
  ...payloadPolicy,
  ...laterMiddleware,
  ...isolation,
  ...hooks,
  ...guards,
  ...remoteKeyCases,
  ...resourceCases,
  ...dpopCases,
  ...cacheCases,
  ...protocolCases,
];
