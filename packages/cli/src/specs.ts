// The CLI's command specifications, one table per command; over 300 lines by their help texts alone.
import { ALGORITHMS } from '@tokengate/core';
import type { CommandSpec } from './args.js';

/** `tokengate decode`. */
export const decodeSpec: CommandSpec = {
  name: 'decode',
  summary: 'show a token’s header, payload and times, with warnings (does NOT verify it)',
  usage: ['tokengate decode <token>', 'tokengate decode -            (reads the token from stdin)'],
  flags: {},
  maxPositionals: 1,
  details: [
    'Nothing leaves this machine. A leading "Bearer " is ignored. Times are shown as dates and',
    'relative to now. Warnings: alg "none", no "exp", a lifetime over 24 h, an HMAC algorithm',
    'from an https issuer, keys embedded in the header, expired or not-yet-valid tokens.',
    'Exit codes: 0 decoded, 1 not a decodable JWS, 2 usage error.',
  ],
  examples: [
    'tokengate decode eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln',
    'pbpaste | tokengate decode -',
    'tokengate decode "$TOKEN" --json | jq .payload.sub',
  ],
};

/** `tokengate verify`. */
export const verifySpec: CommandSpec = {
  name: 'verify',
  summary: 'verify a token exactly as the tokengate middleware does, and explain any failure',
  usage: [
    'tokengate verify <token|-> (--secret S | --secret-file F | --secret-base64 B | --public-key FILE',
    '                            | --jwks FILE | --jwks-uri URL | --issuer URL) [--at TIME] [options]',
  ],
  flags: {
    secret: { type: 'string', value: 'S', help: 'HMAC secret (used as UTF-8 text; prefer --secret-file)' },
    'secret-file': {
      type: 'string',
      value: 'F',
      help: 'file holding the HMAC secret (trailing newline ignored)',
    },
    'secret-base64': {
      type: 'string',
      value: 'B',
      help: 'HMAC secret given as base64 or base64url bytes (jwt.io\'s "secret base64 encoded")',
    },
    'public-key': { type: 'string', value: 'FILE', help: 'public key: PEM (SPKI or certificate) or a JWK' },
    jwks: { type: 'string', value: 'FILE', help: 'a local JSON Web Key Set' },
    'jwks-uri': { type: 'string', value: 'URL', help: 'a remote JWKS (https, or http on loopback)' },
    issuer: {
      type: 'string',
      multiple: true,
      value: 'URL',
      help: 'expected "iss"; alone, keys come from its OIDC discovery document',
    },
    audience: { type: 'string', multiple: true, value: 'A', help: 'expected "aud" (any one of those given)' },
    alg: { type: 'string', multiple: true, value: 'ALG', help: 'allowed algorithms (default: from the key)' },
    typ: { type: 'string', multiple: true, value: 'T', help: 'expected "typ" header, e.g. at+jwt' },
    'clock-tolerance': { type: 'string', value: 'DUR', help: 'allowed clock skew, e.g. 30s (default 5s)' },
    'max-token-age': { type: 'string', value: 'DUR', help: 'reject tokens whose "iat" is older, e.g. 1h' },
    'max-token-lifetime': {
      type: 'string',
      value: 'DUR',
      help: 'reject tokens living longer (exp - iat), e.g. 1d',
    },
    require: {
      type: 'string',
      multiple: true,
      value: 'CLAIM',
      help: 'claims that must be present besides "exp"',
    },
    'scope-claim': {
      type: 'string',
      multiple: true,
      value: 'PATH',
      help: 'where scopes live (default scope, scp)',
    },
    'roles-claim': {
      type: 'string',
      multiple: true,
      value: 'PATH',
      help: 'where roles live (default roles, role, groups)',
    },
    timeout: { type: 'string', value: 'DUR', help: 'remote key fetch timeout (default 5s)' },
    at: {
      type: 'string',
      value: 'TIME',
      help: 'verify as of TIME: 2011-03-22T18:43:00Z, seconds since the epoch, or -2h / +1d from now',
    },
  },
  maxPositionals: 1,
  details: [
    'Runs @tokengate/core createVerifier() with the options named by the flags (--jwks-uri →',
    'jwksUri, --max-token-age → maxTokenAge, …), so it accepts and rejects exactly what the',
    'middleware does, with the same error codes. Durations: seconds or 30s, 15m, 2h, 7d.',
    'Exit codes: 0 verified, 1 token rejected (or keys unavailable), 2 usage error.',
  ],
  examples: [
    'tokengate verify "$TOKEN" --secret-file ./secret.txt',
    'tokengate verify "$TOKEN" --jwks ./jwks.json --issuer https://idp.example.com/ --audience api://orders',
    'tokengate verify - --issuer https://idp.example.com/ < token.txt',
    'tokengate verify "$TOKEN" --public-key ./public.pem --json | jq .scopes',
    'tokengate verify "$OLD_TOKEN" --secret-base64 "$K" --at 2011-03-22T18:00:00Z',
  ],
};

/** `tokengate sign`. */
export const signSpec: CommandSpec = {
  name: 'sign',
  summary: 'sign a JWT with a secret or a private key (for tests and local development)',
  usage: [
    'tokengate sign [--claims JSON|@FILE|@-] (--secret S | --secret-file F | --secret-base64 B | --key FILE)',
    '               [--alg ALG] [--exp 15m] [--nbf DUR] [--iss I] [--aud A]... [--sub S] [--jti J] [--kid K]',
    '               [--typ T] [--from TOKEN] [--set NAME=VALUE]... [--unset NAME]...',
  ],
  flags: {
    claims: {
      type: 'string',
      value: 'JSON',
      help: 'the payload: JSON text, @file, or @- for stdin (default {})',
    },
    secret: { type: 'string', value: 'S', help: 'HMAC secret (UTF-8 text; HS256 needs 32+ bytes)' },
    'secret-file': {
      type: 'string',
      value: 'F',
      help: 'file holding the HMAC secret (trailing newline ignored)',
    },
    'secret-base64': {
      type: 'string',
      value: 'B',
      help: 'HMAC secret given as base64 or base64url bytes (jwt.io\'s "secret base64 encoded")',
    },
    key: {
      type: 'string',
      value: 'FILE',
      help: 'private key: a JWK (as keygen prints) or PEM (PKCS#8, PKCS#1, SEC1)',
    },
    alg: {
      type: 'string',
      value: 'ALG',
      help: 'algorithm (default: the JWK\'s "alg", the key\'s type, or HS256)',
    },
    exp: {
      type: 'string',
      value: 'DUR',
      help: 'lifetime from now (default 15m unless the claims have "exp"); -1h makes an expired token',
    },
    nbf: { type: 'string', value: 'DUR', help: 'not valid before now + DUR (may be negative)' },
    iss: { type: 'string', value: 'I', help: 'issuer claim' },
    aud: { type: 'string', multiple: true, value: 'A', help: 'audience claim (repeat for several)' },
    sub: { type: 'string', value: 'S', help: 'subject claim' },
    jti: { type: 'string', value: 'J', help: 'token id claim' },
    kid: { type: 'string', value: 'K', help: 'key id header (default: the JWK\'s "kid")' },
    typ: { type: 'string', value: 'T', help: 'typ header (default JWT), e.g. at+jwt' },
    from: {
      type: 'string',
      value: 'TOKEN',
      help: 're-sign this token (or - for stdin): its claims, typ and kid, with your edits',
    },
    set: {
      type: 'string',
      multiple: true,
      value: 'NAME=VALUE',
      help: 'set a claim; VALUE is JSON when it parses (42, true, ["a"]), else text',
    },
    unset: { type: 'string', multiple: true, value: 'NAME', help: 'remove a claim' },
  },
  maxPositionals: 0,
  details: [
    '"iat" is set to now unless the claims have one. Flags override the same claims in --claims.',
    "Order: the --from token's claims, then --claims, then the claim flags, --set, --unset. With",
    "--from, the token's own exp and iat are kept unless --exp is given; it is NOT verified first.",
    'Prints the token. Exit codes: 0 signed, 2 usage error (bad claims, key, or algorithm).',
  ],
  examples: [
    'tokengate sign --secret-file ./secret.txt --sub alice --claims \'{"scope":"orders:read"}\'',
    'tokengate sign --key ./private.jwk.json --iss https://idp.example.com/ --aud api://orders --exp 1h',
    'tokengate sign --key ./key.pem --alg RS256 --claims @claims.json --typ at+jwt',
    'tokengate sign --secret-file ./secret.txt --sub alice --exp=-1h          # an expired token',
    'tokengate sign --secret-file ./secret.txt --from "$TOKEN" --set scope="orders:write" --unset jti',
  ],
};

/** `tokengate keygen`. */
export const keygenSpec: CommandSpec = {
  name: 'keygen',
  summary: 'make a signing key: a private JWK and the public JWKS (or an HMAC secret)',
  usage: ['tokengate keygen [--alg ES256|RS256|EdDSA|HS256|…] [--kid K] [--out DIR]'],
  flags: {
    alg: { type: 'string', value: 'ALG', help: `algorithm (default ES256): ${ALGORITHMS.join(', ')}` },
    kid: { type: 'string', value: 'K', help: 'key id (default: the RFC 7638 thumbprint of the key)' },
    out: {
      type: 'string',
      value: 'DIR',
      help: 'write the files to DIR instead of printing them (private ones with mode 600; never overwrites)',
    },
  },
  maxPositionals: 0,
  details: [
    'Asymmetric algorithms print the private JWK (keep it secret; `sign --key` uses it) and the',
    'public JWKS (publish it; `verify --jwks` uses it). RSA keys are 2048 bits.',
    'HMAC algorithms print a random secret (32/48/64 random bytes as base64url text, used as',
    'the secret as it is, like `secret: process.env.JWT_SECRET`) and the same key as an "oct" JWK.',
    'With --out DIR: DIR/private.jwk.json and DIR/jwks.json (HMAC: DIR/secret.txt, DIR/secret.jwk.json).',
  ],
  examples: [
    'tokengate keygen --alg ES256 --kid 2026-01',
    'tokengate keygen --alg RS256 --out ./keys',
    'tokengate keygen --alg EdDSA --json > key.json && jq .privateJwk key.json > private.jwk.json',
    'tokengate keygen --alg HS256 --json | jq -r .secret > secret.txt',
  ],
};

/** `tokengate dpop`: an RFC 9449 proof for one request (and the curl command that sends it). */
export const dpopSpec: CommandSpec = {
  name: 'dpop',
  summary: 'make a DPoP proof (RFC 9449) for one request, or the curl command that sends it',
  usage: ['tokengate dpop --key FILE --url URL [--method GET] [--token T] [--nonce N] [--alg ALG]'],
  flags: {
    key: { type: 'string', value: 'FILE', help: "the client's private JWK (tokengate keygen --alg ES256)" },
    url: { type: 'string', value: 'URL', help: 'the request URL (htu; query and fragment are left out)' },
    method: { type: 'string', value: 'M', help: 'the request method (htm, default GET)' },
    token: {
      type: 'string',
      value: 'T',
      help: 'the DPoP-bound access token: adds "ath" and prints a curl command instead of the proof',
    },
    nonce: { type: 'string', value: 'N', help: 'the server nonce from a DPoP-Nonce header (RFC 9449 §8)' },
    alg: { type: 'string', value: 'ALG', help: 'proof algorithm (default: from the key)' },
  },
  maxPositionals: 0,
  details: [
    'A proof is good for one request: make a new one each time. Bind a test token to the key with',
    '`tokengate sign --claims \'{"cnf":{"jkt":"<jkt>"}}\'` (--json prints the key\'s "jkt").',
  ],
  examples: [
    'tokengate keygen --alg ES256 --json | jq .privateJwk > dpop.jwk.json',
    'tokengate dpop --key dpop.jwk.json --url https://api.example.com/orders --json | jq -r .jkt',
    'eval "$(tokengate dpop --key dpop.jwk.json --url https://api.example.com/orders --token "$TOKEN")"',
  ],
};

/** `tokengate introspect`: ask the authorization server about an opaque token (RFC 7662). */
export const introspectSpec: CommandSpec = {
  name: 'introspect',
  summary: 'check an opaque token with the authorization server (RFC 7662), as the middleware does',
  usage: [
    'tokengate introspect <token|-> (--issuer URL | --endpoint URL) --client-id ID',
    '                     (--client-secret S | --client-secret-file F | --private-key FILE)',
    '                     [--auth-method M] [--audience A]... [--resource URL] [--jwt-response] [--timeout DUR]',
  ],
  flags: {
    issuer: {
      type: 'string',
      value: 'URL',
      help: 'the authorization server: its discovery names the endpoint; "iss" must match',
    },
    endpoint: {
      type: 'string',
      value: 'URL',
      help: 'the introspection endpoint (default: from --issuer discovery)',
    },
    'client-id': { type: 'string', value: 'ID', help: "this API's client id at the authorization server" },
    'client-secret': { type: 'string', value: 'S', help: 'its client secret (prefer --client-secret-file)' },
    'client-secret-file': {
      type: 'string',
      value: 'F',
      help: 'file holding the client secret (trailing newline ignored)',
    },
    'private-key': {
      type: 'string',
      value: 'FILE',
      help: 'a private JWK for private_key_jwt (tokengate keygen --alg ES256)',
    },
    'auth-method': {
      type: 'string',
      value: 'M',
      help: 'client_secret_basic (default with a secret), client_secret_post or private_key_jwt',
    },
    audience: {
      type: 'string',
      multiple: true,
      value: 'A',
      help: 'the answer\'s "aud" must contain one of these',
    },
    resource: {
      type: 'string',
      value: 'URL',
      help: 'this API as a protected resource (the audience when --audience is not given)',
    },
    'jwt-response': {
      type: 'boolean',
      help: "ask for an RFC 9701 signed answer and verify it with the issuer's keys",
    },
    timeout: { type: 'string', value: 'DUR', help: 'introspection timeout (default 5s)' },
  },
  maxPositionals: 1,
  details: [
    'Runs @tokengate/core createVerifier() with the "introspection" option, so it answers exactly as',
    'the middleware does: the token is sent to the endpoint (and nowhere else), the answer checked',
    '("exp", "aud", "iss", "token_type"). A token shaped as a JWS is verified locally with the',
    "issuer's keys instead, as the middleware would. Exit codes: 0 active, 1 refused or the server",
    'could not answer (the reason is printed), 2 usage error.',
  ],
  examples: [
    'tokengate introspect "$TOKEN" --issuer https://idp.example.com/ --client-id orders-api --client-secret-file ./secret.txt',
    'tokengate introspect - --endpoint https://idp.example.com/oauth2/introspect --client-id api --client-secret-file s.txt < token.txt',
    'tokengate introspect "$TOKEN" --issuer https://idp.example.com/ --client-id api --private-key api.jwk.json --json | jq .scopes',
  ],
};
