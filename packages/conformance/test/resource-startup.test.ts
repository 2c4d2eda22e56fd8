import * as express from '@tokengate/express';
import * as fastify from '@tokengate/fastify';
import * as hono from '@tokengate/hono';
import * as koa from '@tokengate/koa';
import { describe, expect, it } from 'vitest';

const secret = 's'.repeat(32);

describe.each([
  ['express', express],
  ['koa', koa],
  ['hono', hono],
  ['fastify', fastify],
])('%s: protected-resource configuration mistakes fail at start-up', (_name, adapter) => {
  it('protectedResourceMetadata() needs resource', () => {
    expect(() => adapter.protectedResourceMetadata({ secret })).toThrow(TypeError);
    expect(() => adapter.protectedResourceMetadata({ secret })).toThrow(/needs option "resource"/);
  });
  it.each([
    ['http://api.example.com/mcp', /must use https/],
    ['https://api.example.com/mcp#x', /must not have a fragment/],
    ['/mcp', /must be an absolute URL/],
    ['https://api.example.com/m\\cp', /RFC 3986/],
    ['https://api.example.com/m cp', /RFC 3986/],
  ])('resource %s is refused by jwtAuth() and protectedResourceMetadata()', (resource, message) => {
    expect(() => adapter.jwtAuth({ secret, resource })).toThrow(message);
    expect(() => adapter.protectedResourceMetadata({ secret, resource })).toThrow(message);
  });
  // Issue 26 finding 1: DPoP must be told its own URL; it never takes the Host header.
  it.each(['required', 'allowed', { required: true }] as const)(
    'dpop %j without publicUrl or resource is refused',
    (dpop) => {
      expect(() => adapter.jwtAuth({ secret, dpop })).toThrow(/needs "dpop.publicUrl"/);
    },
  );
  it('dpop with resource and no publicUrl starts', () => {
    expect(() =>
      adapter.jwtAuth({ secret, dpop: 'required', resource: 'https://api.example.com/mcp' }),
    ).not.toThrow();
  });
});
