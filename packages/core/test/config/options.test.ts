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
    ['two public-key sources', { jwks: { keys: [] }, jwksUri: 'https://x.test/jwks' }, /exclusive/],
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
    ['realm with a line feed', { secret, realm: 'api\nX-Injected: 1' }, /"realm" must be printable ASCII/],
    ['realm with non-ASCII', { secret, realm: 'café' }, /"realm" must be printable ASCII/],
    ['typ naming no media type', { secret, typ: 'application/' }, /"typ" must name a media type/],
  ])('%s', (_name, options, message) => {
    expect(() => createVerifier(options as TokengateOptions)).toThrow(TypeError);
    expect(() => createVerifier(options as TokengateOptions)).toThrow(message);
  });

  it('accepts onKeySourceEvent: false and the documented crypto values', () => {
    expect(() => createVerifier({ secret, onKeySourceEvent: false })).not.toThrow();
    for (const crypto of ['auto', 'node', 'webcrypto'] as const) {
      expect(() => createVerifier({ secret, crypto })).not.toThrow();
    }
  });

  it('accepts durations as seconds or strings', () => {
    expect(() =>
      createVerifier({ secret, clockTolerance: '30s', maxTokenAge: '2h', maxTokenLifetime: 3600 }),
    ).not.toThrow();
  });
});

function startupError(options: unknown): TypeError {
  try {
    createVerifier(options as TokengateOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    return error as TypeError;
  }
  throw new Error('expected a start-up error');
}

describe('every start-up error starts with "tokengate:" and names its option', () => {
  const pem = '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----';
  it.each<[string, unknown, string]>([
    ['no key source', {}, 'secret'],
    ['secret from an unset environment variable', { secret: process.env.TOKENGATE_UNSET_VARIABLE }, 'secret'],
    ['jwksUri from an unset environment variable', { jwksUri: undefined, audience: 'a' }, 'jwksUri'],
    ['issuer from an unset environment variable', { issuer: undefined }, 'issuer'],
    [
      'unset secret in an issuers entry',
      { issuers: [{ issuer: 'https://a.test/', secret: undefined }] },
      'secret',
    ],
    ['none in algorithms', { secret, algorithms: ['none'] }, 'algorithms'],
    ['unknown algorithm', { secret, algorithms: ['HS999'] }, 'algorithms'],
    ['algorithms not an array', { secret, algorithms: 'HS256' }, 'algorithms'],
    ['HMAC with a public key source', { jwks: { keys: [] }, algorithms: ['HS256'] }, 'algorithms'],
    ['asymmetric alg with a secret', { secret, algorithms: ['RS256'] }, 'algorithms'],
    ['two public-key sources', { jwks: { keys: [] }, jwksUri: 'https://x.test/jwks' }, 'jwks'],
    ['plain-http issuer', { issuer: 'http://idp.example.com/' }, 'issuer'],
    ['issuer with a query', { issuer: 'https://idp.example.com/?x=1' }, 'issuer'],
    ['issuer that is no URL', { issuer: 'idp.example.com' }, 'issuer'],
    ['plain-http jwksUri', { jwksUri: 'http://idp.example.com/jwks' }, 'jwksUri'],
    ['jwksUri with a password', { jwksUri: 'https://u:p@idp.example.com/jwks' }, 'jwksUri'],
    ['two discovery issuers', { issuer: ['https://a.test/', 'https://b.test/'] }, 'issuer'],
    ['zero cooldownDuration', { jwksUri: 'https://x.test/jwks', cooldownDuration: 0 }, 'cooldownDuration'],
    [
      'bare-number timeoutDuration',
      { jwksUri: 'https://x.test/jwks', timeoutDuration: 5000 },
      'timeoutDuration',
    ],
    [
      'malformed timeoutDuration',
      { jwksUri: 'https://x.test/jwks', timeoutDuration: '5 seconds' },
      'timeoutDuration',
    ],
    ['infinite staleIfError', { jwksUri: 'https://x.test/jwks', staleIfError: Infinity }, 'staleIfError'],
    ['fetch not a function', { jwksUri: 'https://x.test/jwks', fetch: 'x' }, 'fetch'],
    ['onKeySourceEvent not a function', { secret, onKeySourceEvent: true }, 'onKeySourceEvent'],
    ['onError not a function', { secret, onError: 'log' }, 'onError'],
    ['malformed duration', { secret, clockTolerance: '5 minutes' }, 'clockTolerance'],
    ['empty secret', { secret: '' }, 'secret'],
    ['short secret', { secret: 'short' }, 'secret'],
    ['PEM-less publicKey string', { publicKey: 'not a pem' }, 'publicKey'],
    ['public key given as a secret', { secret: pem }, 'secret'],
    ['jwks without keys', { jwks: {} }, 'jwks'],
    ['symmetric JWK in jwks', { jwks: { keys: [{ kty: 'oct', k: 'AAAA' }] } }, 'jwks'],
    ['anonymous without optional credentials', { secret, invalidTokens: 'anonymous' }, 'invalidTokens'],
    ['unknown invalidTokens', { secret, invalidTokens: 'allow' }, 'invalidTokens'],
    ['bad tokenSources', { secret, tokenSources: ['body'] }, 'tokenSources'],
    ['non-schema claims', { secret, claims: { parse() {} } }, 'claims'],
    ['bad revocation', { secret, revocation: {} }, 'revocation'],
    ['bad realm', { secret, realm: 1 }, 'realm'],
    ['bad maxTokenLength', { secret, maxTokenLength: 0 }, 'maxTokenLength'],
    ['bad cache.maxEntries', { secret, cache: { maxEntries: -1 } }, 'cache.maxEntries'],
    ['bad requiredClaims', { secret, requiredClaims: [''] }, 'requiredClaims'],
    ['bad requireExp', { secret, requireExp: 'no' }, 'requireExp'],
    ['bad audience', { secret, audience: '' }, 'audience'],
    ['bad scopeClaim', { secret, scopeClaim: [] }, 'scopeClaim'],
    ['empty issuers', { issuers: [] }, 'issuers'],
    ['issuers and top-level keys', { secret, issuers: [{ issuer: 'https://a.test/', secret }] }, 'issuers'],
    ['issuers entry without issuer', { issuers: [{ secret }] }, 'issuers[0].issuer'],
    ['an unknown option', { secret, frobnicate: true }, 'frobnicate'],
    // Options that were read loosely before every option had a declaration:
    ['credentialsRequired not a boolean', { secret, credentialsRequired: 'no' }, 'credentialsRequired'],
    ['warmup not a boolean', { secret, warmup: 'yes' }, 'warmup'],
    ['unknown crypto', { secret, crypto: 'openssl' }, 'crypto'],
    ['cache neither a boolean nor an object', { secret, cache: 'on' }, 'cache'],
    ['getToken not a function', { secret, getToken: 'authorization' }, 'getToken'],
    ['bad cache.maxAge', { secret, cache: { maxAge: 'forever' } }, 'cache.maxAge'],
    ['bad dpop.clockTolerance', { secret, dpop: { clockTolerance: 'soon' } }, 'dpop.clockTolerance'],
    [
      'bad issuers[0].clockTolerance',
      { issuers: [{ issuer: 'a', secret, clockTolerance: 'x' }] },
      'clockTolerance',
    ],
  ])('%s', (_name, options, option) => {
    const { message } = startupError(options);
    expect(message).toMatch(/^tokengate: /);
    expect(message).toContain(option.startsWith('issuers[') ? option : `"${option}"`);
  });

  it('says that an option given as undefined was given (not "no key source")', () => {
    const { message } = startupError({ secret: process.env.TOKENGATE_UNSET_VARIABLE, audience: 'a' });
    expect(message).toMatch(/option "secret" was given but is undefined/);
    expect(message).not.toMatch(/no key source/);
  });

  it('refuses an audience given as undefined, which would switch the audience check off', () => {
    const secret32 = 'x'.repeat(32);
    expect(
      startupError({ secret: secret32, audience: process.env.TOKENGATE_UNSET_VARIABLE }).message,
    ).toMatch(/^tokengate: option "audience" was given but is undefined/);
    expect(
      startupError({ issuers: [{ issuer: 'https://a.test/', secret: secret32, audience: undefined }] })
        .message,
    ).toMatch(/option "audience" \(issuers\[0\]\) was given but is undefined/);
  });
});

describe('a mistyped option name gets the nearest valid name', () => {
  it.each<[string, unknown, string]>([
    ['audiance', { secret, audiance: 'x' }, 'audience'],
    ['algorithm', { secret, algorithm: ['HS256'] }, 'algorithms'],
    ['jwks_uri', { jwks_uri: 'https://x.test/jwks' }, 'jwksUri'],
    ['Issuer', { Issuer: 'https://x.test/' }, 'issuer'],
    ['clocktolerance', { secret, clocktolerance: 5 }, 'clockTolerance'],
    ['credentialRequired', { secret, credentialRequired: false }, 'credentialsRequired'],
    ['requiredClaim', { secret, requiredClaim: ['sub'] }, 'requiredClaims'],
    ['scopesClaim', { secret, scopesClaim: 'scp' }, 'scopeClaim'],
    ['roleClaim', { secret, roleClaim: 'roles' }, 'rolesClaim'],
    ['tokenSource', { secret, tokenSource: ['header'] }, 'tokenSources'],
    ['maxTokenAeg (swap)', { secret, maxTokenAeg: 60 }, 'maxTokenAge'],
    ['secrets', { secrets: ['x'] }, 'secret'],
    ['onKeySourceEvents', { secret, onKeySourceEvents: () => {} }, 'onKeySourceEvent'],
    ['cooldown', { jwksUri: 'https://x.test/jwks', cooldown: 5 }, 'cooldownDuration'],
    ['cache.maxEntry', { secret, cache: { maxEntry: 5 } }, 'maxEntries'],
    ['cache.maxage', { secret, cache: { maxage: '1m' } }, 'maxAge'],
    ['issuers[0].audiance', { issuers: [{ issuer: 'https://a.test/', secret, audiance: 'x' }] }, 'audience'],
  ])('%s', (typo, options, suggestion) => {
    const { message } = startupError(options);
    expect(message).toMatch(/^tokengate: unknown option /);
    expect(message).toContain(
      `"${typo
        .split(' ')[0]!
        .split('.')
        .at(-1)!
        .replace(/^issuers\[0\]\./, '')}"`,
    );
    expect(message).toContain(`did you mean "${suggestion}"?`);
  });

  it('suggests nothing for a name that is not close, and names top-level options used in an entry', () => {
    expect(startupError({ secret, frobnicate: 1 }).message).not.toMatch(/did you mean/);
    expect(
      startupError({ issuers: [{ issuer: 'https://a.test/', secret, cooldownDuration: '5ms' }] }).message,
    ).toMatch(/"cooldownDuration" in issuers\[0\] \(it is a top-level option\)/);
  });
});
