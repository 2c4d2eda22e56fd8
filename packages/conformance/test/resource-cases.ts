import type { AuthErrorCode, TokengateOptions } from '@tokengate/core';
import { expect } from 'vitest';
import { validateResourceMetadata } from '../../core/test/oauth/rfc9728.js';
import type { Case, CaseEnv, Expected } from './cases.js';
import { ISS } from './fixtures.js';
import type { CaseRequest } from './routes.js';

/** The protected resource of these cases (RFC 8707 / RFC 9728) and its metadata URL. */
export const RESOURCE = 'https://api.conformance.test/mcp';
export const METADATA_PATH = '/.well-known/oauth-protected-resource/mcp';
const METADATA_URL = `https://api.conformance.test${METADATA_PATH}`;
const RM = `resource_metadata="${METADATA_URL}"`;
/** A resource whose path needs percent-encoding, and its metadata URL as challenges name it. */
const ENCODED = 'https://api.conformance.test/caf%C3%A9';
const ENCODED_METADATA = 'https://api.conformance.test/.well-known/oauth-protected-resource/caf%C3%A9';

/** HS256 secret and issuer as usual, `resource` instead of `audience`. */
const resourceOptions = (
  { f }: CaseEnv,
  extra: Partial<TokengateOptions<any>> = {},
): TokengateOptions<any> => ({ secret: f.hs.secret!, issuer: ISS, resource: RESOURCE, ...extra });

const bearer = (token: string): CaseRequest => ({ headers: { authorization: `Bearer ${token}` } });
/** A token for `aud` (the test issuer's default audience is replaced). */
const tokenFor = (env: CaseEnv, aud: unknown, claims: Record<string, unknown> = {}) =>
  env.f.hs.sign({ sub: 'alice', ...claims, aud: aud as string });

const invalidAudience: Expected = {
  status: 401,
  challenge: `Bearer error="invalid_token", error_description={desc}, ${RM}`,
  code: 'invalid_token',
  reason: 'audience',
};
const forbidden = (code: AuthErrorCode, scope?: string): Expected => ({
  status: 403,
  challenge: `Bearer error="insufficient_scope", error_description={desc}${scope ? `, scope="${scope}"` : ''}, ${RM}`,
  code,
});
const accepted = (aud: unknown, name: string): Case => ({
  name: `resource: token audience ${name} → 200`,
  options: resourceOptions,
  request: async (env) => bearer(await tokenFor(env, aud)),
  expect: { status: 200, auth: { subject: 'alice' } },
});
const refused = (aud: unknown, name: string): Case => ({
  name: `resource: token audience ${name} → 401 invalid_token (audience)`,
  options: resourceOptions,
  request: async (env) => bearer(await tokenFor(env, aud)),
  expect: invalidAudience,
});

const DOCUMENT = {
  resource: RESOURCE,
  authorization_servers: [ISS],
  scopes_supported: ['orders:read', 'orders:write'],
  bearer_methods_supported: ['header', 'query'],
  resource_name: 'Conformance API',
  resource_documentation: 'https://docs.conformance.test/api',
};
const metadataOptions = (env: CaseEnv) =>
  resourceOptions(env, {
    scopesSupported: ['orders:read', 'orders:write'],
    tokenSources: ['header', { cookie: 'session' }, { query: 'access_token' }],
    resourceName: 'Conformance API',
    resourceDocumentation: 'https://docs.conformance.test/api',
  });

/**
 * OAuth 2.1 protected resources: challenges carry `resource_metadata`, the audience defaults to
 * the resource (compared as a URL), and `protectedResourceMetadata()` serves RFC 9728 metadata
 * (each driver mounts it before `jwtAuth` when the options have `resource`).
 */
export const resourceCases: Case[] = [
  {
    name: 'resource: no token → 401 challenge with resource_metadata',
    options: resourceOptions,
    request: () => ({}),
    expect: { status: 401, challenge: `Bearer ${RM}`, code: 'missing_token' },
  },
  {
    name: 'resource: realm, error and resource_metadata together',
    options: (env) => resourceOptions(env, { realm: 'mcp' }),
    request: async (env) => bearer(await env.f.hs.sign({ aud: RESOURCE }, { defect: 'expired' })),
    expect: {
      status: 401,
      challenge: `Bearer realm="mcp", error="invalid_token", error_description={desc}, ${RM}`,
      code: 'invalid_token',
      reason: 'expired',
    },
  },
  {
    name: 'resource: malformed header → 400 with resource_metadata',
    options: resourceOptions,
    request: () => ({ headers: { authorization: 'Bearer' } }),
    expect: {
      status: 400,
      challenge: `Bearer error="invalid_request", error_description={desc}, ${RM}`,
      code: 'invalid_request',
    },
  },
  accepted(RESOURCE, 'equal to the resource'),
  accepted(`${RESOURCE}/`, 'with a trailing slash'),
  accepted('HTTPS://API.Conformance.TEST:443/mcp', 'with upper-case scheme and host and the default port'),
  accepted(['api://other', RESOURCE], 'in an array'),
  refused('https://api.conformance.test/other', 'for another resource on the same host'),
  refused('https://api.conformance.test/mcp/tools', 'for a sub-path'),
  refused('https://api.conformance.test/MCP', 'with another path case'),
  refused('https://evil.test/mcp', 'for another host'),
  refused('http://api.conformance.test/mcp', 'with another scheme'),
  refused('https://api.conformance.test:8443/mcp', 'with another port'),
  refused(`${RESOURCE}#frag`, 'with a fragment'),
  refused(`${RESOURCE}?x=1`, 'with a query'),
  refused('api://conformance', 'that is not a URL'),
  // Issue 26 finding 9: compared as RFC 3986 URIs, not as WHATWG URL parsing reads them.
  refused('https://api.conformance.test/m\tcp', 'with a tab in the path (WHATWG strips it)'),
  refused('https:\\\\api.conformance.test\\mcp', 'written with backslashes (WHATWG reads /)'),
  refused('https://api.conformance.test/mcp\n', 'with a trailing line feed'),
  refused(' https://api.conformance.test/mcp', 'with a leading space'),
  refused('https://api.conformance.test/./mcp', 'with a dot segment'),
  refused('https://api.conformance.test/m%63p', 'with a percent-encoded unreserved character'),
  refused('https://api.conformance.test/x/%2e%2e/mcp', 'with an encoded dot segment (WHATWG removes it)'),
  {
    name: 'resource: token without aud → 401 invalid_token (audience)',
    options: resourceOptions,
    request: async (env) => bearer(await env.f.hs.sign({ sub: 'alice', aud: undefined })),
    expect: invalidAudience,
  },
  {
    name: 'resource: an explicit audience wins over the resource',
    options: (env) => resourceOptions(env, { audience: 'api://explicit' }),
    request: async (env) => bearer(await tokenFor(env, RESOURCE)),
    expect: invalidAudience,
  },
  {
    name: 'resource: scope guard → 403 insufficient_scope with scope and resource_metadata',
    options: resourceOptions,
    route: { guard: 'scope' },
    request: async (env) => bearer(await tokenFor(env, RESOURCE, { scope: 'orders:read' })),
    expect: forbidden('insufficient_scope', 'orders:read orders:write'),
  },
  {
    name: 'resource: role guard → 403 with resource_metadata',
    options: resourceOptions,
    route: { guard: 'role' },
    request: async (env) => bearer(await tokenFor(env, RESOURCE, { roles: ['user'] })),
    expect: forbidden('insufficient_role'),
  },
  {
    name: 'resource: claims guard → 403 with realm and resource_metadata',
    options: (env) => resourceOptions(env, { realm: 'mcp' }),
    route: { guard: 'claimsPartial' },
    request: async (env) => bearer(await tokenFor(env, RESOURCE, { tenant: 'other' })),
    expect: {
      status: 403,
      challenge: `Bearer realm="mcp", error="insufficient_scope", error_description={desc}, ${RM}`,
      code: 'insufficient_claims',
    },
  },
  ...(['authenticated', 'scope', 'claimsPredicate'] as const).map(
    (guard): Case => ({
      name: `resource: ${guard}: anonymous request (credentialsRequired: false) → 401 with realm and resource_metadata`,
      options: (env) => resourceOptions(env, { credentialsRequired: false, realm: 'mcp' }),
      route: { guard },
      request: () => ({}),
      expect: { status: 401, challenge: `Bearer realm="mcp", ${RM}`, code: 'missing_token' },
    }),
  ),
  {
    name: 'resource: scope: bad token let through anonymously → 401 with resource_metadata',
    options: (env) => resourceOptions(env, { credentialsRequired: false, invalidTokens: 'anonymous' }),
    route: { guard: 'scope' },
    request: async (env) => bearer(await tokenFor(env, 'https://evil.test/mcp')),
    expect: { status: 401, challenge: `Bearer ${RM}`, code: 'missing_token' },
  },
  {
    name: 'metadata: GET on the path-suffixed well-known URL → the RFC 9728 document',
    options: metadataOptions,
    request: () => ({ path: METADATA_PATH, headers: { origin: 'https://client.example' } }),
    expect: { status: 200, body: DOCUMENT },
    check: (_env, response) => {
      expect(validateResourceMetadata(response.body)).toEqual([]);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.headers['access-control-allow-origin']).toBe('*');
      expect(response.headers['cache-control']).toBe('public, max-age=3600');
      expect(response.headers['www-authenticate']).toBeUndefined();
    },
  },
  {
    name: 'metadata: a query string does not matter',
    options: metadataOptions,
    request: () => ({ path: `${METADATA_PATH}?x=1` }),
    expect: { status: 200, body: DOCUMENT },
  },
  {
    name: 'metadata: defaults (header only, guard scopes) without a token',
    options: (env) => resourceOptions(env, { scopesSupported: ['orders:read'] }),
    request: () => ({ path: METADATA_PATH }),
    expect: {
      status: 200,
      body: {
        resource: RESOURCE,
        authorization_servers: [ISS],
        scopes_supported: ['orders:read'],
        bearer_methods_supported: ['header'],
      },
    },
    check: (_env, response) => expect(validateResourceMetadata(response.body)).toEqual([]),
  },
  {
    name: 'metadata: HEAD → 200 without a body',
    options: metadataOptions,
    request: () => ({ method: 'HEAD', path: METADATA_PATH }),
    expect: { status: 200, text: '' },
    check: (_env, response) => expect(response.headers['access-control-allow-origin']).toBe('*'),
  },
  {
    name: 'metadata: CORS preflight → 204 allowing GET from any origin',
    options: metadataOptions,
    request: () => ({
      method: 'OPTIONS',
      path: METADATA_PATH,
      headers: {
        origin: 'https://client.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'mcp-protocol-version',
      },
    }),
    expect: { status: 204, text: '' },
    check: (_env, response) => {
      expect(response.headers['access-control-allow-origin']).toBe('*');
      expect(response.headers['access-control-allow-methods']).toContain('GET');
      expect(response.headers['access-control-allow-headers']).toBe('mcp-protocol-version');
    },
  },
  {
    name: 'metadata: POST on the well-known path is passed on (→ 401 from jwtAuth)',
    options: metadataOptions,
    request: () => ({ method: 'POST', path: METADATA_PATH }),
    expect: { status: 401, challenge: `Bearer ${RM}`, code: 'missing_token' },
    unrouted: true,
  },
  // Issue 26 finding 5: a resource path with percent-escapes is served where the challenge says.
  ...['caf%C3%A9', 'caf%c3%a9'].map(
    (segment): Case => ({
      name: `metadata: %-encoded resource path, GET …/${segment} → 200`,
      options: (env) => resourceOptions(env, { resource: ENCODED, scopesSupported: ['orders:read'] }),
      request: () => ({ path: `/.well-known/oauth-protected-resource/${segment}` }),
      expect: {
        status: 200,
        body: {
          resource: ENCODED,
          authorization_servers: [ISS],
          scopes_supported: ['orders:read'],
          bearer_methods_supported: ['header'],
        },
      },
    }),
  ),
  {
    name: 'metadata: %-encoded resource, its challenge names the encoded well-known URL',
    options: (env) => resourceOptions(env, { resource: ENCODED }),
    request: () => ({}),
    expect: {
      status: 401,
      challenge: `Bearer resource_metadata="${ENCODED_METADATA}"`,
      code: 'missing_token',
    },
  },
  {
    name: 'metadata: the root well-known URL is not this resource’s (→ 401 from jwtAuth)',
    options: metadataOptions,
    request: () => ({ path: '/.well-known/oauth-protected-resource' }),
    expect: { status: 401, challenge: `Bearer ${RM}`, code: 'missing_token' },
    unrouted: true,
  },
];
