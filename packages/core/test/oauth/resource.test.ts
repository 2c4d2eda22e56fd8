import { Validator } from '@seriousme/openapi-schema-validator';
import {
  buildChallenge,
  buildResourceMetadata,
  createResourceMetadataEndpoint,
  createVerifier,
  requireAnyScope,
  requireScope,
  resourceAudiences,
  resourceMetadataUrl,
  securityScheme,
} from '@tokengate/core';
import { createTestIssuer } from '@tokengate/core/testing';
import { describe, expect, it } from 'vitest';
import { RFC9728_MEMBERS, validateResourceMetadata } from './rfc9728.js';

describe('resourceMetadataUrl (RFC 9728 §3.1)', () => {
  it.each([
    ['https://resource.example.com', 'https://resource.example.com/.well-known/oauth-protected-resource'],
    ['https://resource.example.com/', 'https://resource.example.com/.well-known/oauth-protected-resource'],
    [
      'https://resource.example.com/resource1',
      'https://resource.example.com/.well-known/oauth-protected-resource/resource1',
    ],
    [
      'https://api.example.com/v1/mcp/',
      'https://api.example.com/.well-known/oauth-protected-resource/v1/mcp/',
    ],
    ['HTTPS://API.Example.COM:443/mcp', 'https://api.example.com/.well-known/oauth-protected-resource/mcp'],
    ['http://127.0.0.1:8080/mcp', 'http://127.0.0.1:8080/.well-known/oauth-protected-resource/mcp'],
    ['http://localhost:3000', 'http://localhost:3000/.well-known/oauth-protected-resource'],
  ])('%s → %s', (resource, url) => {
    expect(resourceMetadataUrl(resource)).toBe(url);
  });

  it.each([
    ['not a URL', 'api://orders/'.slice(0, 0) + 'orders'],
    ['http on a public host', 'http://api.example.com/mcp'],
    ['a fragment', 'https://api.example.com/mcp#x'],
    ['an empty fragment', 'https://api.example.com/mcp#'],
    ['a query', 'https://api.example.com/mcp?tenant=a'],
    ['credentials', 'https://user:pw@api.example.com/mcp'],
    ['another scheme', 'urn:example:api'],
  ])('refuses %s with a TypeError naming the option', (_name, resource) => {
    expect(() => createVerifier({ secret: 'x'.repeat(32), resource })).toThrow(/option "resource"/);
    expect(() => resourceMetadataUrl(resource)).toThrow(TypeError);
  });
});

describe('resource options', () => {
  const secret = 's'.repeat(32);
  it.each([
    [{ scopesSupported: ['a'] }, /"scopesSupported" needs option "resource"/],
    [{ resourceName: 'x' }, /"resourceName" needs option "resource"/],
    [{ resource: 'https://a.example/mcp', scopesSupported: 'a b' }, /"scopesSupported" must be a list/],
    [{ resource: 'https://a.example/mcp', scopesSupported: ['a b'] }, /"scopesSupported" must be a list/],
    [{ resource: 'https://a.example/mcp', resourceName: '' }, /"resourceName"/],
    [{ resource: 'https://a.example/mcp', resourceDocumentation: 'docs' }, /"resourceDocumentation"/],
    [{ resource: 42 }, /"resource" must be a URL/],
  ])('%j is a start-up TypeError', (extra, message) => {
    expect(() => createVerifier({ secret, ...(extra as object) })).toThrow(message);
  });

  it('a typo of a resource option is caught', () => {
    expect(() =>
      createVerifier({ secret, resource: 'https://a.example/mcp', resourceNmae: 'x' } as never),
    ).toThrow(/unknown option "resourceNmae"/);
  });

  it('protectedResourceMetadata options without resource are a TypeError', () => {
    expect(() => createResourceMetadataEndpoint({ secret })).toThrow(/needs option "resource"/);
    expect(() => buildResourceMetadata({ secret })).toThrow(/needs option "resource"/);
  });
});

describe('audience = resource (RFC 8707)', () => {
  const set = resourceAudiences('https://api.example.com/mcp');
  it.each([
    ['https://api.example.com/mcp', true],
    ['https://api.example.com/mcp/', true],
    ['HTTPS://API.EXAMPLE.COM/mcp', true],
    ['https://api.example.com:443/mcp', true],
    ['https://api.example.com/mcp//', false],
    ['https://api.example.com/Mcp', false],
    ['https://api.example.com/mcp/x', false],
    ['https://api.example.com', false],
    ['http://api.example.com/mcp', false],
    ['https://api.example.com:444/mcp', false],
    ['https://api.example.com/mcp#', false],
    ['https://api.example.com/mcp?', false],
    ['https://u@api.example.com/mcp', false],
    ['mcp', false],
  ])('%s → %s', (aud, accepted) => {
    expect(set.has(aud)).toBe(accepted);
  });

  it('a pathless resource accepts the URL.href form with "/"', () => {
    const origin = resourceAudiences('https://api.example.com');
    expect(origin.has('https://api.example.com')).toBe(true);
    expect(origin.has('https://api.example.com/')).toBe(true);
    expect(origin.has('https://api.example.com/mcp')).toBe(false);
  });

  it('applies to every issuers[] entry without its own audience', async () => {
    const a = await createTestIssuer({ alg: 'HS256', issuer: 'https://a.example/' });
    const b = await createTestIssuer({ alg: 'HS256', issuer: 'https://b.example/' });
    const verifier = createVerifier({
      resource: 'https://api.example.com/mcp',
      issuers: [
        { issuer: 'https://a.example/', secret: a.secret! },
        { issuer: 'https://b.example/', secret: b.secret!, audience: 'api://b' },
      ],
    });
    await expect(
      verifier.verify(await a.sign({ aud: 'https://api.example.com/mcp' })),
    ).resolves.toBeDefined();
    await expect(verifier.verify(await a.sign({ aud: 'api://b' }))).rejects.toMatchObject({
      reason: 'audience',
    });
    await expect(verifier.verify(await b.sign({ aud: 'api://b' }))).resolves.toBeDefined();
    await expect(verifier.verify(await b.sign({ aud: 'https://api.example.com/mcp' }))).rejects.toMatchObject(
      {
        reason: 'audience',
      },
    );
  });
});

describe('challenges', () => {
  it('resource_metadata follows realm, error and scope (RFC 9728 §5.1)', () => {
    expect(
      buildChallenge({
        realm: 'mcp',
        error: 'insufficient_scope',
        description: 'needs more',
        scope: ['a', 'b'],
        resourceMetadata: 'https://api.example.com/.well-known/oauth-protected-resource/mcp',
      }),
    ).toBe(
      'Bearer realm="mcp", error="insufficient_scope", error_description="needs more", scope="a b", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/mcp"',
    );
  });

  it('a 503 carries Retry-After and no challenge', async () => {
    const verifier = createVerifier({
      jwksUri: 'http://127.0.0.1:9/jwks',
      resource: 'https://api.example.com/mcp',
      timeoutDuration: '200ms',
    });
    expect(verifier.settings.resourceMetadata).toBe(
      'https://api.example.com/.well-known/oauth-protected-resource/mcp',
    );
  });
});

describe('buildResourceMetadata', () => {
  const resource = 'https://api.example.com/mcp';

  it('knows every RFC 9728 §2 member it may emit', () => {
    for (const name of [
      'resource',
      'authorization_servers',
      'scopes_supported',
      'bearer_methods_supported',
    ]) {
      expect(RFC9728_MEMBERS).toHaveProperty(name);
    }
  });

  it.each([
    [{ issuer: 'https://idp.example.com' }, { authorization_servers: ['https://idp.example.com'] }],
    [
      { issuer: ['https://a.example', 'https://b.example'], secret: 'x'.repeat(32) },
      { authorization_servers: ['https://a.example', 'https://b.example'] },
    ],
    [
      {
        issuers: [
          { issuer: 'https://a.example', secret: 'x'.repeat(32) },
          { issuer: 'https://b.example', secret: 'y'.repeat(32) },
        ],
      },
      { authorization_servers: ['https://a.example', 'https://b.example'] },
    ],
    [{ secret: 'x'.repeat(32) }, {}],
  ])('authorization_servers from %j', (options, expected) => {
    const doc = buildResourceMetadata({ ...options, resource, scopesSupported: [] });
    expect(doc).toEqual({ resource, bearer_methods_supported: ['header'], ...expected });
    expect(validateResourceMetadata(doc)).toEqual([]);
  });

  it.each([
    [['header'], ['header']],
    [
      [{ query: 'access_token' }, 'header'],
      ['query', 'header'],
    ],
    [[{ cookie: 'session' }], []],
    [['header', { cookie: 'session' }], ['header']],
  ])('bearer_methods_supported from tokenSources %j', (tokenSources, methods) => {
    const doc = buildResourceMetadata({
      secret: 'x'.repeat(32),
      resource,
      tokenSources: tokenSources as never,
    });
    expect(doc.bearer_methods_supported).toEqual(methods);
    expect(validateResourceMetadata(doc)).toEqual([]);
  });

  it('omits bearer_methods_supported with a custom getToken', () => {
    const doc = buildResourceMetadata({ secret: 'x'.repeat(32), resource, getToken: () => undefined });
    expect(doc).not.toHaveProperty('bearer_methods_supported');
  });

  it('scopes_supported defaults to the scopes of every scope guard created, sorted', () => {
    requireScope('zz:resource-test', 'aa:resource-test');
    requireAnyScope('mm:resource-test');
    const doc = buildResourceMetadata({ secret: 'x'.repeat(32), resource });
    expect(doc.scopes_supported).toEqual(
      expect.arrayContaining(['aa:resource-test', 'mm:resource-test', 'zz:resource-test']),
    );
    expect(doc.scopes_supported).toEqual([...doc.scopes_supported!].sort());
    expect(
      buildResourceMetadata({ secret: 'x'.repeat(32), resource, scopesSupported: ['only'] }).scopes_supported,
    ).toEqual(['only']);
  });

  it('the endpoint picks up guards created after it', () => {
    const endpoint = createResourceMetadataEndpoint({ secret: 'x'.repeat(32), resource });
    const before = JSON.parse(endpoint.answer('GET', endpoint.path)!.body!);
    expect(before.scopes_supported ?? []).not.toContain('late:resource-test');
    requireScope('late:resource-test');
    const after = JSON.parse(endpoint.answer('GET', endpoint.path)!.body!);
    expect(after.scopes_supported).toContain('late:resource-test');
    expect(endpoint.answer('GET', '/.well-known/oauth-protected-resource')).toBeUndefined();
    expect(endpoint.answer('DELETE', endpoint.path)).toBeUndefined();
    expect(endpoint.answer('GET', `${endpoint.path}/`)).toBeUndefined();
  });

  it('name and documentation, and a document that never carries a secret', () => {
    const doc = buildResourceMetadata({
      secret: 'a-secret-that-must-never-appear-in-the-document',
      resource,
      resourceName: 'Notes MCP',
      resourceDocumentation: 'https://docs.example.com/mcp',
    });
    expect(doc).toMatchObject({
      resource_name: 'Notes MCP',
      resource_documentation: 'https://docs.example.com/mcp',
    });
    expect(JSON.stringify(doc)).not.toContain('secret');
    expect(validateResourceMetadata(doc)).toEqual([]);
  });

  it('the validator catches what the RFC forbids (it can fail)', () => {
    expect(validateResourceMetadata({})).toEqual(['"resource" is REQUIRED']);
    expect(validateResourceMetadata({ resource, scopes: ['a'] })).toEqual([
      '"scopes" is not an RFC 9728 member',
    ]);
    expect(validateResourceMetadata({ resource, bearer_methods_supported: ['cookie'] })).toHaveLength(1);
    expect(validateResourceMetadata({ resource, authorization_servers: 'https://a' })).toHaveLength(1);
    expect(validateResourceMetadata({ resource: `${resource}#x` })).toHaveLength(2);
  });
});

describe('securityScheme with resource', () => {
  it('points at the protected resource metadata and stays a valid OpenAPI document', async () => {
    const scheme = securityScheme({
      issuer: 'https://idp.example.com',
      resource: 'https://api.example.com/mcp',
    });
    expect(scheme).toEqual({
      bearerAuth: {
        type: 'openIdConnect',
        openIdConnectUrl: 'https://idp.example.com/.well-known/openid-configuration',
        'x-resource-metadata': 'https://api.example.com/.well-known/oauth-protected-resource/mcp',
      },
    });
    const doc = {
      openapi: '3.1.0',
      info: { title: 'MCP', version: '1.0.0' },
      paths: {},
      components: { securitySchemes: scheme },
    };
    expect((await new Validator().validate(doc)).valid).toBe(true);
    expect(() => securityScheme({ secret: 'x', resource: 'http://api.example.com' })).toThrow(
      /securityScheme\(\) option "resource"/,
    );
  });
});
