import { Validator } from '@seriousme/openapi-schema-validator';
import {
  requireAnyScope,
  requireAuth,
  requireClaims,
  requireRole,
  requireScope,
  securityRequirement,
  securityScheme,
} from '@tokengate/core';
import { describe, expect, it } from 'vitest';

const bearer = { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' };

describe('securityScheme', () => {
  it.each([
    ['secret', { secret: 'a-secret-that-must-never-appear-in-the-document' }],
    ['publicKey', { publicKey: '-----BEGIN PUBLIC KEY-----\nMFkw...\n-----END PUBLIC KEY-----' }],
    ['jwks', { jwks: { keys: [] } }],
    ['jwksUri', { jwksUri: 'https://idp.example.com/jwks.json' }],
    [
      'issuer with a key source',
      { issuer: 'https://idp.example.com/', jwksUri: 'https://idp.example.com/jwks' },
    ],
    ['several issuers', { issuers: [{ issuer: 'https://a.example/', secret: 'x' }] }],
    ['several expected issuers', { issuer: ['https://a.example/', 'https://b.example/'] }],
  ])('is HTTP bearer JWT with %s', (_name, options) => {
    const entry = securityScheme(options);
    expect(entry).toEqual({ bearerAuth: bearer });
    expect(JSON.stringify(entry)).not.toContain('secret');
  });

  it.each([
    ['https://idp.example.com/', 'https://idp.example.com/.well-known/openid-configuration'],
    ['https://idp.example.com', 'https://idp.example.com/.well-known/openid-configuration'],
    [
      'https://login.example.com/tenant-1/v2.0',
      'https://login.example.com/tenant-1/v2.0/.well-known/openid-configuration',
    ],
  ])('is openIdConnect with the discovery URL when configured by issuer %s alone', (issuer, url) => {
    expect(securityScheme({ issuer })).toEqual({
      bearerAuth: { type: 'openIdConnect', openIdConnectUrl: url },
    });
    expect(securityScheme({ issuer: [issuer] })).toEqual({
      bearerAuth: { type: 'openIdConnect', openIdConnectUrl: url },
    });
  });

  it('takes a name and a description', () => {
    expect(
      securityScheme({ secret: 'x' }, { name: 'orders.jwt', description: 'Tokens from **Acme IdP**' }),
    ).toEqual({
      'orders.jwt': { ...bearer, description: 'Tokens from **Acme IdP**' },
    });
  });

  it('throws a TypeError for a bad name, a non-URL issuer or no options', () => {
    expect(() => securityScheme({ secret: 'x' }, { name: 'has space' })).toThrow(TypeError);
    expect(() => securityScheme({ secret: 'x' }, { name: '' })).toThrow(TypeError);
    expect(() => securityScheme({ issuer: 'idp.example.com' })).toThrow(/absolute URL/);
    expect(() => securityScheme({ issuer: 'https://idp.example.com/?x=1' })).toThrow(/query or fragment/);
    expect(() => securityScheme({ issuer: 'http://idp.example.com/' })).toThrow(/must use https/);
    expect(securityScheme({ issuer: 'http://127.0.0.1:8080' }).bearerAuth).toMatchObject({
      type: 'openIdConnect',
    });
    expect(() => securityScheme(undefined as never)).toThrow(TypeError);
  });
});

describe('securityRequirement', () => {
  it('lists the scopes of requireScope in one requirement', () => {
    expect(securityRequirement(requireScope('orders:read', 'orders:write'))).toEqual([
      { bearerAuth: ['orders:read', 'orders:write'] },
    ]);
  });

  it('makes one alternative per scope for requireAnyScope', () => {
    expect(securityRequirement(requireAnyScope('a', 'b'), { name: 'idp' })).toEqual([
      { idp: ['a'] },
      { idp: ['b'] },
    ]);
  });

  it('asks only for authentication for role, claims and requireAuth guards', () => {
    for (const guard of [requireRole('admin'), requireClaims({ tenant: 'acme' }), requireAuth()]) {
      expect(securityRequirement(guard)).toEqual([{ bearerAuth: [] }]);
    }
  });

  it('combines several guards (all must pass), expanding alternatives', () => {
    expect(
      securityRequirement([requireScope('base'), requireRole('admin'), requireAnyScope('x', 'y')]),
    ).toEqual([{ bearerAuth: ['base', 'x'] }, { bearerAuth: ['base', 'y'] }]);
    expect(securityRequirement([requireAnyScope('a', 'b'), requireAnyScope('b', 'a')])).toEqual([
      { bearerAuth: ['a'] },
      { bearerAuth: ['b'] },
    ]);
  });

  it('accepts plain scope names', () => {
    expect(securityRequirement(['read', 'read', 'write'])).toEqual([{ bearerAuth: ['read', 'write'] }]);
    expect(securityRequirement([])).toEqual([{ bearerAuth: [] }]);
  });

  it('throws a TypeError for anything else, and past 64 alternatives', () => {
    expect(() => securityRequirement('orders:read' as never)).toThrow(TypeError);
    expect(() => securityRequirement([requireScope('a'), 'b'] as never)).toThrow(TypeError);
    expect(() => securityRequirement({ kind: 'scope' } as never)).toThrow(TypeError);
    expect(() => securityRequirement(requireScope('a'), { name: 'a b' })).toThrow(TypeError);
    const wide = requireAnyScope('1', '2', '3', '4', '5', '6', '7', '8', '9');
    expect(() => securityRequirement([wide, wide, wide])).toThrow(/more than 64 alternatives/);
  });
});

/** Names used in `security` must be declared in `components.securitySchemes` (the schema cannot check that). */
function undeclaredSchemes(doc: any): string[] {
  const declared = new Set(Object.keys(doc.components?.securitySchemes ?? {}));
  const used = [
    doc.security ?? [],
    ...Object.values(doc.paths ?? {}).flatMap((p: any) =>
      Object.values(p).map((op: any) => op.security ?? []),
    ),
  ]
    .flat()
    .flatMap((req: Record<string, string[]>) => Object.keys(req));
  return used.filter((name) => !declared.has(name));
}

describe('a produced OpenAPI 3.1 document', () => {
  const canRead = requireScope('orders:read');
  const canWriteOrAdmin = requireAnyScope('orders:write', 'orders:admin');
  const isAdmin = requireRole('admin');
  const op = (summary: string, security: unknown) => ({
    summary,
    security,
    responses: {
      '200': { description: 'OK' },
      '401': { description: 'No or bad token' },
      '403': { description: 'Missing scope or role' },
    },
  });

  it.each([
    ['a key source', { jwksUri: 'https://idp.example.com/jwks.json', audience: 'api://orders' }],
    ['issuer discovery', { issuer: 'https://idp.example.com/', audience: 'api://orders' }],
  ])('validates against the OpenAPI 3.1 schema (%s)', async (_name, options) => {
    const doc = {
      openapi: '3.1.0',
      info: { title: 'Orders', version: '1.0.0' },
      components: { securitySchemes: { ...securityScheme(options) } },
      security: securityRequirement(requireAuth()),
      paths: {
        '/orders': { get: op('List orders', securityRequirement(canRead)) },
        '/orders/{id}': {
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          put: op('Change an order', securityRequirement(canWriteOrAdmin)),
          delete: op('Delete an order', securityRequirement([canRead, isAdmin])),
        },
        '/health': { get: { summary: 'Health', security: [], responses: { '200': { description: 'OK' } } } },
      },
    };
    const result = await new Validator().validate(structuredClone(doc));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(undeclaredSchemes(doc)).toEqual([]);
  });

  it('is checked by a validator that does reject a broken security section', async () => {
    const doc = {
      openapi: '3.1.0',
      info: { title: 'Broken', version: '1.0.0' },
      components: { securitySchemes: { bearerAuth: { type: 'openIdConnect' } } }, // no openIdConnectUrl
      paths: { '/x': { get: { security: { bearerAuth: [] }, responses: { '200': { description: 'OK' } } } } },
    };
    const result = await new Validator().validate(doc);
    expect(result.valid).toBe(false);
  });
});
