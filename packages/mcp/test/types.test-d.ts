import type {
  AuthInfo,
  McpServer,
  OAuthTokenVerifier,
  ScopeChallengeHandler,
} from '@modelcontextprotocol/server';
import type { AuthContext, JwtClaims } from '@tokengate/core';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { type McpTokenVerifier, mcpTokenVerifier, toolScopes } from '../src/index.js';

const resource = 'https://mcp.example.com/mcp';

describe('@tokengate/mcp typing', () => {
  it('mcpTokenVerifier is the SDK’s OAuthTokenVerifier; authContext is typed by the claims schema', () => {
    const plain = mcpTokenVerifier({ issuer: 'https://idp.example.com/', resource });
    expectTypeOf(plain).toExtend<OAuthTokenVerifier>();
    expectTypeOf(plain.verifyAccessToken).returns.resolves.toEqualTypeOf<AuthInfo>();
    expectTypeOf(plain.authContext).returns.toEqualTypeOf<AuthContext<JwtClaims> | undefined>();
    const typed = mcpTokenVerifier({
      issuer: 'https://idp.example.com/',
      resource,
      claims: z.object({ sub: z.string(), tenant: z.string() }),
    });
    expectTypeOf(typed).toEqualTypeOf<McpTokenVerifier<{ sub: string; tenant: string }>>();
  });

  it('resource is required; options about where the token travels are not accepted', () => {
    // @ts-expect-error: resource is required
    mcpTokenVerifier({ issuer: 'https://idp.example.com/' });
    // @ts-expect-error: the SDK's gate reads the Authorization header itself
    mcpTokenVerifier({ issuer: 'https://idp.example.com/', resource, tokenSources: ['header'] });
    // @ts-expect-error: the SDK's gate cannot pass a DPoP proof
    mcpTokenVerifier({ issuer: 'https://idp.example.com/', resource, dpop: 'allowed' });
  });

  it('toolScopes is the SDK’s ScopeChallengeHandler, accepted by registerTool', () => {
    const scopeChallenge = toolScopes({ a: 'x', b: ['x', 'y'], c: [] });
    expectTypeOf(scopeChallenge).toEqualTypeOf<ScopeChallengeHandler>();
    expectTypeOf<Parameters<McpServer['registerTool']>[1]>().toHaveProperty('scopeChallenge');
    // @ts-expect-error: a scope is a string
    toolScopes({ a: 42 });
  });
});
