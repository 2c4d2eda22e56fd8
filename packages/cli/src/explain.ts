import type { AuthError, JwtClaims, JwtHeader } from '@tokengate/core';
import { isoDate, span } from './time.js';

/** What the explanation of a failed verification may refer to. */
export interface ExplainContext {
  /** The token's unverified header and payload, when it could be decoded. */
  readonly header: JwtHeader | undefined;
  readonly payload: JwtClaims | undefined;
  /** Seconds since the epoch. */
  readonly now: number;
  /** The clock tolerance in effect, in seconds. */
  readonly tolerance: number;
  /** How the key was given, in words: "the secret", "the public key", … */
  readonly keyDescription: string;
  /** Whether the key is an HMAC secret. */
  readonly symmetric: boolean;
  /** `--alg` values, if given. */
  readonly algorithms: readonly string[];
  /** `--issuer` values. */
  readonly issuers: readonly string[];
  /** `--audience` values. */
  readonly audiences: readonly string[];
  /** `--typ` values. */
  readonly typ: readonly string[];
  /** Key ids of a local JWKS, when one was given. */
  readonly jwksKids: readonly string[] | undefined;
}

const quote = (value: unknown): string => JSON.stringify(value);
const listOf = (values: readonly string[]): string => values.map(quote).join(' or ');

function at(name: string, value: number): string {
  return `${name} ${isoDate(value) ?? value}`;
}

/**
 * A human explanation of the first thing that failed, with what to do about it. It may show the
 * token's claims (the user gave the token) but never the token itself or any key.
 */
export function explain(error: AuthError, context: ExplainContext): string {
  const { header, payload, now, tolerance } = context;
  const exp = typeof payload?.exp === 'number' ? payload.exp : undefined;
  const nbf = typeof payload?.nbf === 'number' ? payload.nbf : undefined;
  const iat = typeof payload?.iat === 'number' ? payload.iat : undefined;
  const alg = header?.alg;
  switch (error.reason) {
    case 'expired':
      if (exp !== undefined && now >= exp + tolerance) {
        return `the token expired ${span(now - exp)} ago (${at('exp', exp)}); get a fresh token, or check this machine's clock`;
      }
      if (iat !== undefined) {
        return `the token was issued ${span(now - iat)} ago (${at('iat', iat)}), longer ago than --max-token-age allows; get a fresh token`;
      }
      return 'the token is too old; get a fresh token';
    case 'not_yet_valid':
      if (nbf !== undefined && now + tolerance < nbf) {
        return `the token is not valid for another ${span(nbf - now)} (${at('nbf', nbf)}); the issuer's clock may be ahead of this one — compare clocks or raise --clock-tolerance`;
      }
      if (iat !== undefined) {
        return `the token claims to be issued ${span(iat - now)} in the future (${at('iat', iat)}); the issuer's clock is ahead of this one — compare clocks or raise --clock-tolerance`;
      }
      return 'the token is not valid yet; compare the issuer’s clock with this one';
    case 'bad_signature':
      return `the signature does not match ${context.keyDescription}: the token (alg ${alg ?? '?'}${header?.kid !== undefined ? `, kid ${quote(header.kid)}` : ''}) was signed with a different key, or it was altered after signing`;
    case 'alg_not_allowed': {
      if (typeof alg === 'string' && alg.toLowerCase() === 'none') {
        return 'the token is unsecured (alg "none"): it has no signature and is never accepted';
      }
      if (context.algorithms.length > 0) {
        return `the token is signed with ${alg}, but --alg allows only ${context.algorithms.join(', ')}`;
      }
      if (context.symmetric) {
        return `the token is signed with ${alg}, but a secret verifies HS256 only unless --alg names other HMAC algorithms (HS384, HS512)`;
      }
      if (typeof alg === 'string' && alg.startsWith('HS')) {
        return `the token is signed with ${alg} (a shared secret), which is never accepted with public keys (algorithm confusion); verify it with --secret, or ask the issuer for an asymmetric token`;
      }
      return `the token is signed with ${alg}, which ${context.keyDescription} does not support; pass --alg to allow it if the key fits`;
    }
    case 'unknown_key':
      if (header?.kid !== undefined) {
        const known = context.jwksKids
          ? ` (the JWKS has ${context.jwksKids.length > 0 ? `kid ${context.jwksKids.map(quote).join(', ')}` : 'no kid'})`
          : '';
        return `no key in ${context.keyDescription} has the token's kid ${quote(header.kid)}${known}; the issuer may have rotated its keys, or this is the wrong key set`;
      }
      return `no key in ${context.keyDescription} fits the token's alg ${alg ?? '?'}`;
    case 'issuer':
      if (payload?.iss === undefined)
        return `the token has no "iss", but --issuer expects ${listOf(context.issuers)}`;
      return context.issuers.length > 0
        ? `the token's iss is ${quote(payload.iss)}, but --issuer expects ${listOf(context.issuers)} (exact match, including any trailing slash)`
        : `the token's iss ${quote(payload.iss)} is not accepted`;
    case 'audience':
      if (payload?.aud === undefined)
        return `the token has no "aud", but --audience expects ${listOf(context.audiences)}`;
      return `the token's aud is ${quote(payload.aud)}, but --audience expects ${listOf(context.audiences)}`;
    case 'type':
      return `the token's typ header is ${header?.typ === undefined ? 'absent' : quote(header.typ)}, but --typ expects ${listOf(context.typ)}`;
    case 'claims':
      if (/lifetime/.test(error.message) && exp !== undefined) {
        return `the token lives ${span(exp - (iat ?? now))} ("exp" - "iat"), longer than --max-token-lifetime allows`;
      }
      if (/required claim "exp"/.test(error.message)) {
        return 'the token has no "exp", so it would never expire; tokengate requires "exp"';
      }
      return `${error.message}; fix the token's claims at the issuer`;
    case 'malformed':
      return `the input is not a well-formed JWS: ${error.message}`;
    case 'too_large':
      return `${error.message}; a bearer token this large is almost certainly not one`;
    default:
      if (error.code === 'key_source_unavailable') {
        return `the keys could not be fetched: ${error.detail ?? error.message}; check the URL and that the endpoint answers`;
      }
      return error.message;
  }
}
