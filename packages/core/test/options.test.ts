import { createVerifier, type TokengateOptions } from '@tokengate/core';
import { describe, expect, it } from 'vitest';

const secret = 's'.repeat(32);

describe('start-up errors are TypeErrors naming the option', () => {
  it.each<[string, unknown, RegExp]>([
    ['no key source', {}, /no key source/],
    ['none in algorithms', { secret, algorithms: ['none'] }, /"none"/],
    ['NoNe in algorithms', { secret, algorithms: ['NoNe'] }, /"none"/],
    ['unknown algorithm', { secret, algorithms: ['HS999'] }, /unsupported algorithm/],
    ['HMAC with a public key source', { jwks: { keys: [] }, algorithms: ['HS256'] }, /HMAC/],
    ['asymmetric alg with a secret', { secret, algorithms: ['RS256'] }, /asymmetric/],
    ['two key sources', { secret, jwksUri: 'https://x.test/jwks' }, /exclusive/],
    ['a typo', { secret, audiance: 'x' }, /unknown option "audiance"/],
    ['snake_case option', { secret, jwks_uri: 'x' }, /did you mean "jwksUri"/],
    ['malformed duration', { secret, clockTolerance: '5 minutes' }, /clockTolerance/],
    ['negative duration', { secret, maxTokenAge: -1 }, /maxTokenAge/],
    ['empty secret', { secret: '' }, /empty/],
    ['short secret', { secret: 'short' }, /32 for HS256/],
    ['short secret for HS512', { secret, algorithms: ['HS512'] }, /bytes/],
    ['symmetric JWK in jwks', { jwks: { keys: [{ kty: 'oct', k: 'AAAA' }] } }, /symmetric/],
    ['PEM-less publicKey string', { publicKey: 'not a pem' }, /publicKey/],
    ['anonymous without optional credentials', { secret, invalidTokens: 'anonymous' }, /credentialsRequired/],
    ['bad tokenSources', { secret, tokenSources: ['body'] }, /tokenSources/],
    ['non-schema claims', { secret, claims: { parse() {} } }, /Standard Schema/],
    ['issuers and top-level keys', { secret, issuers: [{ issuer: 'https://a.test/', secret }] }, /issuers/],
    [
      'duplicate issuers',
      {
        issuers: [
          { issuer: 'a', secret },
          { issuer: 'a', secret },
        ],
      },
      /twice/,
    ],
    ['discovery with two issuers', { issuer: ['https://a.test/', 'https://b.test/'] }, /exactly one/],
  ])('%s', (_name, options, message) => {
    expect(() => createVerifier(options as TokengateOptions)).toThrow(TypeError);
    expect(() => createVerifier(options as TokengateOptions)).toThrow(message);
  });

  it('accepts durations as seconds or strings', () => {
    expect(() =>
      createVerifier({ secret, clockTolerance: '30s', maxTokenAge: '2h', maxTokenLifetime: 3600 }),
    ).not.toThrow();
  });
});
