import { freezeParsed } from '../context/immutable.js';
import type { JwtClaims, JwtHeader } from '../context/types.js';
import { AuthError } from '../errors/auth-error.js';
import { asciiText, decodeCanonicalBase64url, decodeCanonicalBase64urlNative } from './base64url.js';

/** A compact JWS split and decoded, before any signature or claims check. */
export interface DecodedJwt {
  /** The protected header (a JSON object with a string `alg`). */
  readonly header: JwtHeader;
  /** The claims set (a JSON object). */
  readonly payload: JwtClaims;
  /** `BASE64URL(header) '.' BASE64URL(payload)`, the bytes the signature covers. */
  readonly signingInput: string;
  /** The decoded signature (empty for unsigned tokens). */
  readonly signature: Uint8Array;
}

// `ignoreBOM: true` keeps a leading U+FEFF in the text, so JSON.parse refuses it: a BOM would
// otherwise be a second, silently accepted spelling of the same header or claims (RFC 8259 §8.1).
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function malformed(message: string, cause?: unknown): AuthError {
  return new AuthError('invalid_token', message, { reason: 'malformed', cause });
}

/**
 * One pass over JSON text, outside strings: the members written in it (each `:` separates a name
 * from its value), or -1 as soon as objects and arrays nest deeper than `maxDepth`.
 */
function scanJson(text: string, maxDepth: number): number {
  let members = 0;
  let depth = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Jump to the closing quote: the first `"` not escaped by an odd run of backslashes. Each
      // character is looked at a bounded number of times, so the scan stays linear.
      let end = i;
      for (;;) {
        end = text.indexOf('"', end + 1);
        if (end < 0) return members; // unterminated: JSON.parse refuses it
        let slash = end - 1;
        while (text.charCodeAt(slash) === 0x5c) slash--;
        if (((end - 1 - slash) & 1) === 0) break;
      }
      i = end;
    } else if (c === 0x3a) members++;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return -1;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return members;
}

/**
 * Deepest nesting accepted in a protected header. JOSE headers are flat but for `jwk` and `x5c`
 * (depth 2); attacker-chosen depth would otherwise cost parsing and freezing before any
 * algorithm or signature check.
 */
const MAX_HEADER_DEPTH = 8;

/** Own members of every object in a parsed JSON value (iterative: nesting depth is attacker-chosen). */
function parsedMembers(value: object): number {
  let count = 0;
  const stack: object[] = [value];
  while (stack.length > 0) {
    const item = stack.pop() as Record<string, unknown>;
    // `for…in` over a parsed object or array visits exactly its own members, without a list.
    const isArray = Array.isArray(item);
    for (const key in item) {
      if (!isArray) count++;
      const member = item[key];
      if (typeof member === 'object' && member !== null) stack.push(member);
    }
  }
  return count;
}

/**
 * Decodes one segment of a compact JWS (the header or the payload) strictly: canonical
 * base64url, UTF-8 without a BOM, a JSON object without duplicate member names. It checks nothing
 * else (in particular not `alg`), so use it only for display — the tokengate CLI shows unsecured
 * (`alg: "none"`) tokens with it; anything that decides about a token goes through
 * {@link decodeJwt} and a verifier.
 *
 * @param segment - the base64url text between the dots.
 * @param what - which segment it is, for the error message.
 * @throws AuthError `invalid_token` with reason `malformed`.
 * @example
 * ```ts
 * const header = decodeJwtSegment(token.split('.')[0], 'header'); // unverified, display only
 * ```
 */
export function decodeJwtSegment(segment: string, what: 'header' | 'payload'): Record<string, unknown> {
  return decodeSegment(segment, what, Number.POSITIVE_INFINITY);
}

function decodeSegment(
  segment: string,
  what: 'header' | 'payload',
  maxDepth: number,
  asymmetric = false,
): Record<string, unknown> {
  return parseSegment(segmentBytes(segment, what, asymmetric), what, maxDepth, asymmetric);
}

/** A segment's bytes: canonical base64url, or the token is malformed. */
function segmentBytes(segment: string, what: 'header' | 'payload', asymmetric: boolean): Uint8Array {
  if (segment.length === 0) throw malformed(`token ${what} is empty`);
  // Before an HMAC, Node's native decoder; before asymmetric checks, the loop (see both).
  const bytes = asymmetric ? decodeCanonicalBase64url(segment) : decodeCanonicalBase64urlNative(segment);
  if (bytes === undefined) throw malformed(`token ${what} is not canonical base64url`);
  return bytes;
}

/** A segment's bytes as a JSON object: UTF-8 without a BOM, no duplicate member names. */
function parseSegment(
  bytes: Uint8Array,
  what: 'header' | 'payload',
  maxDepth: number,
  asymmetric: boolean,
): Record<string, unknown> {
  let first = 0;
  while (
    first < bytes.length &&
    (bytes[first] === 0x20 || bytes[first] === 0x09 || bytes[first] === 0x0a || bytes[first] === 0x0d)
  ) {
    first++;
  }
  if (bytes[first] !== 0x7b) throw malformed(`token ${what} is not a JSON object`);
  let text = asymmetric ? asciiText(bytes) : undefined;
  if (text === undefined) {
    try {
      text = decoder.decode(bytes);
    } catch (cause) {
      throw malformed(`token ${what} is not valid UTF-8`, cause);
    }
  }
  const members = scanJson(text, maxDepth);
  if (members < 0) throw malformed(`token ${what} is nested too deeply`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw malformed(`token ${what} is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed(`token ${what} is not a JSON object`);
  }
  // JSON.parse keeps the last of duplicate names (allowed by RFC 7515 §4), but another parser may
  // keep the first: reject duplicates at any depth so every parser reads the same token
  // (RFC 8725 §3.7). With no duplicates, every written member survives parsing.
  if (members !== parsedMembers(value)) throw malformed(`token ${what} has duplicate member names`);
  return value as Record<string, unknown>;
}

/**
 * Parsed headers by their exact base64url text. Tokens of one issuer share a handful of header
 * spellings (alg, kid, typ), so the decode is paid once per spelling. Only headers that passed
 * every check are stored, frozen; the map is bounded (cleared when full), so hostile headers
 * cannot grow it.
 */
const headers = new Map<string, JwtHeader>();
const HEADER_CACHE_SIZE = 256;

function decodeHeader(segment: string): JwtHeader {
  const cached = headers.get(segment);
  if (cached !== undefined) return cached;
  const header = decodeSegment(segment, 'header', MAX_HEADER_DEPTH);
  if (typeof header.alg !== 'string' || header.alg.length === 0) throw malformed('token header has no "alg"');
  if (header.kid !== undefined && typeof header.kid !== 'string')
    throw malformed('token "kid" header is not a string');
  if (header.alg.toLowerCase() === 'none') {
    throw new AuthError('invalid_token', 'unsecured tokens (alg "none") are never accepted', {
      reason: 'alg_not_allowed',
    });
  }
  if (headers.size >= HEADER_CACHE_SIZE) headers.clear();
  const frozen = freezeParsed(header) as JwtHeader;
  headers.set(segment, frozen);
  return frozen;
}

/**
 * Splits and decodes a compact JWS strictly (RFC 7515 §7.1, RFC 7519 §7.2): exactly three
 * segments, canonical base64url without padding or whitespace, UTF-8 JSON objects, a string
 * `alg`. Nothing is verified: use the result only to choose keys, or for display.
 *
 * JWE (five segments) and unsecured JWTs are refused here or by the verifier's policy.
 *
 * @throws AuthError `invalid_token` with reason `malformed` (or `alg_not_allowed` for `none`).
 * @example
 * ```ts
 * const { header, payload } = decodeJwt(token); // unverified!
 * ```
 */
export function decodeJwt(token: string): DecodedJwt {
  const split = splitJwt(token);
  return {
    header: split.header,
    payload: decodePayload(split),
    signingInput: split.signingInput,
    signature: split.signature,
  };
}

/** A compact JWS split, its header and signature decoded, its payload not yet. */
export interface SplitJwt {
  /** The protected header (a JSON object with a string `alg`). */
  readonly header: JwtHeader;
  /** `BASE64URL(header) '.' BASE64URL(payload)`, the bytes the signature covers. */
  readonly signingInput: string;
  /** The decoded signature. */
  readonly signature: Uint8Array;
  /** The payload's bytes (canonical base64url decoded), not yet parsed. */
  readonly payloadBytes: Uint8Array;
}

/**
 * The first half of {@link decodeJwt}: the structure, the header and the signature, strictly as
 * there. A verifier that checks the signature before reading the claims decodes the payload
 * afterwards with {@link decodePayload}, and only for a token whose signature holds.
 * @throws AuthError `invalid_token` with reason `malformed` (or `alg_not_allowed` for `none`).
 */
export function splitJwt(token: string): SplitJwt {
  if (typeof token !== 'string' || token.length === 0) throw malformed('token is empty');
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (second < 0) throw malformed('token is not a compact JWS (expected 3 segments)');
  if (token.indexOf('.', second + 1) >= 0) {
    const segments = token.split('.').length;
    throw malformed(
      segments === 5
        ? 'encrypted tokens (JWE) are not accepted'
        : `token is not a compact JWS (expected 3 segments, got ${segments})`,
    );
  }
  const header = decodeHeader(token.slice(0, first));
  const payloadBytes = segmentBytes(token.slice(first + 1, second), 'payload', isAsymmetric(header));
  const signatureSegment = token.slice(second + 1);
  if (signatureSegment.length === 0) throw malformed('token has no signature');
  const signature = decodeCanonicalBase64url(signatureSegment);
  if (signature === undefined) throw malformed('token signature is not canonical base64url');
  return { header, signingInput: token.slice(0, second), signature, payloadBytes };
}

/**
 * The second half of {@link decodeJwt}: the payload of a split token, strictly as there.
 * @throws AuthError `invalid_token` with reason `malformed`.
 */
export function decodePayload(split: SplitJwt): JwtClaims {
  const asymmetric = isAsymmetric(split.header);
  return parseSegment(split.payloadBytes, 'payload', Number.POSITIVE_INFINITY, asymmetric) as JwtClaims;
}

/** An asymmetric check follows: read ASCII text without the vectorised validator (see asciiText). */
function isAsymmetric(header: JwtHeader): boolean {
  return !header.alg.startsWith('HS');
}

/**
 * Whether a JWS header asks for an extension tokengate does not implement: `crit` (RFC 7515
 * §4.1.11: a recipient that does not understand a listed extension must reject the JWS; tokengate
 * understands none) or `b64` (RFC 7797). Access tokens and DPoP proofs are both refused then.
 */
export function usesJwsExtensions(header: Readonly<Record<string, unknown>>): boolean {
  return header.crit !== undefined || header.b64 !== undefined;
}
