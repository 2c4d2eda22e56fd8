import type { TokengateOptions } from '@tokengate/core';
import type { Case, CaseEnv, Expected } from './cases.js';
import { AUD, ISS } from './fixtures.js';
import type { CaseRequest } from './routes.js';

/**
 * The token source `{ protocol: prefix }` (docs/connections.md): the `Sec-WebSocket-Protocol`
 * entry that starts with the prefix carries the token, on every framework, with the same answers
 * as the other sources: an upgrade request is an ordinary request to `jwtAuth`.
 */

// The table's own constants (cases.ts imports this file, so its values are not ready here).
const BEARER = 'Bearer';
const INVALID_TOKEN = 'Bearer error="invalid_token", error_description={desc}';
const INVALID_REQUEST = 'Bearer error="invalid_request", error_description={desc}';
const protocolOptions = (
  { f }: CaseEnv,
  sources: TokengateOptions['tokenSources'] = [{ protocol: 'bearer.' }],
): TokengateOptions<any> => ({ secret: f.hs.secret!, issuer: ISS, audience: AUD, tokenSources: sources });
const offered = (list: string): CaseRequest => ({ headers: { 'sec-websocket-protocol': list } });
const valid = (env: CaseEnv, claims: Record<string, unknown> = {}) =>
  env.f.hs.sign({ sub: 'alice', ...claims });
const invalidRequest: Expected = { status: 400, challenge: INVALID_REQUEST, code: 'invalid_request' };

export const protocolCases: readonly Case[] = [
  {
    name: 'protocol source: the bearer.<token> entry among the offered subprotocols → 200',
    options: (env) => protocolOptions(env),
    request: async (env) => offered(`chat, bearer.${await valid(env)}, v2`),
    expect: { status: 200, auth: { subject: 'alice' } },
  },
  {
    name: 'protocol source not configured: a token subprotocol is not looked at → 401 missing',
    request: async (env) => offered(`chat, bearer.${await valid(env)}`),
    expect: { status: 401, challenge: BEARER, code: 'missing_token' },
  },
  {
    name: 'protocol source: a bad token there is an ordinary 401 invalid_token',
    options: (env) => protocolOptions(env),
    request: async (env) => offered(`chat, bearer.${await valid(env, { exp: 1 })}`),
    expect: { status: 401, challenge: INVALID_TOKEN, code: 'invalid_token', reason: 'expired' },
  },
  {
    name: 'protocol source: two token entries → 400 invalid_request',
    options: (env) => protocolOptions(env),
    request: async (env) => offered(`bearer.${await valid(env)}, bearer.${await valid(env, { sub: 'eve' })}`),
    expect: invalidRequest,
  },
  {
    name: 'header and protocol both carry a token → 400 (two methods, as header and query)',
    options: (env) => protocolOptions(env, ['header', { protocol: 'bearer.' }]),
    request: async (env) => ({
      headers: {
        authorization: `Bearer ${await valid(env)}`,
        'sec-websocket-protocol': `bearer.${await valid(env)}`,
      },
    }),
    expect: invalidRequest,
  },
];
