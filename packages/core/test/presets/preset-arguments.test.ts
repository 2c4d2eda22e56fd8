import { describe, expect, it } from 'vitest';
import { createVerifier } from '../../src/index.js';
import * as presets from '../../src/presets/index.js';

describe('preset arguments are checked at start-up (TypeError naming the preset and option)', () => {
  it.each([
    [
      'entra tenant domain',
      () => presets.entra({ tenant: 'contoso.onmicrosoft.com', audience: 'x' }),
      /entra\(\) option "tenant"/,
    ],
    [
      'entra unset audience',
      () => presets.entra({ tenant: 'common', audience: undefined as never }),
      /unset environment variable/,
    ],
    [
      'entra version',
      () => presets.entra({ tenant: 'common', audience: 'x', version: 3 as never }),
      /version/,
    ],
    [
      'auth0 scheme',
      () => presets.auth0({ domain: 'https://acme.auth0.com', audience: 'x' }),
      /without scheme/,
    ],
    [
      'cognito region',
      () => presets.cognito({ region: 'moon', userPoolId: 'moon_1', clientId: 'c' }),
      /region/,
    ],
    [
      'cognito pool',
      () => presets.cognito({ region: 'eu-west-1', userPoolId: 'us-east-1_x', clientId: 'c' }),
      /userPoolId/,
    ],
    [
      'cognito tokenUse',
      () =>
        presets.cognito({
          region: 'eu-west-1',
          userPoolId: 'eu-west-1_x',
          clientId: 'c',
          tokenUse: 'refresh' as never,
        }),
      /tokenUse/,
    ],
    [
      'keycloak http',
      () => presets.keycloak({ url: 'http://sso.example.com', realm: 'r', audience: 'a' }),
      /https/,
    ],
    [
      'supabase unset secret',
      () => presets.supabase({ url: 'https://x.supabase.co', secret: undefined }),
      /unset environment variable/,
    ],
    [
      'clerk no parties',
      () => presets.clerk({ issuer: 'https://clerk.example.com', authorizedParties: [] }),
      /must not be empty/,
    ],
    ['workos client id', () => presets.workos({ clientId: 'sk_test_123' }), /client_/],
    ['google keySet', () => presets.google({ audience: 'a', keySet: 'pem' as never }), /keySet/],
    ['no arguments', () => presets.firebase(undefined as never), /needs an options object/],
  ])('%s', (_name, call, message) => {
    expect(call).toThrow(TypeError);
    expect(call).toThrow(message);
  });

  it('every preset builds a verifier (its options pass tokengate’s own validation)', () => {
    const all = [
      presets.auth0({ domain: 'acme.eu.auth0.com', audience: 'https://api' }),
      presets.entra({ tenant: 'common', audience: '6e74172b-be56-4843-9ff4-e66a39bb12e3' }),
      presets.cognito({ region: 'eu-west-1', userPoolId: 'eu-west-1_abc', clientId: 'c' }),
      presets.google({ audience: 'a', hostedDomain: 'example.com', keySet: 'certificates' }),
      presets.firebase({ projectId: 'p' }),
      presets.okta({ issuer: 'https://acme.okta.com', audience: 'api://default' }),
      presets.keycloak({ url: 'https://sso.example.com/', realm: 'r', audience: 'a', clientId: 'a/b~c' }),
      presets.clerk({ issuer: 'https://clerk.example.com', authorizedParties: ['https://app'] }),
      presets.supabase({ url: 'https://x.supabase.co/', secret: 's'.repeat(32) }),
      presets.workos({ clientId: 'client_123' }),
      presets.githubActions({ audience: 'a', repository: 'o/r' }),
      presets.kubernetes({ issuer: 'https://kubernetes.default.svc', audience: 'a' }),
    ];
    for (const options of all) expect(() => createVerifier(options)).not.toThrow();
    expect(all[5]).toMatchObject({ jwksUri: 'https://acme.okta.com/oauth2/v1/keys' });
    expect(all[6]).toMatchObject({
      issuer: 'https://sso.example.com/realms/r',
      rolesClaim: ['/realm_access/roles', '/resource_access/a~1b~0c/roles'],
    });
  });
});
