import { encodeBase64url } from '../../token/base64url.js';

type NodeHashing = {
  /** One-shot hashing (Node ≥ 20.12, Bun, Deno): about twice as fast as `createHash` for short texts. */
  hash?(alg: 'sha256', data: string, encoding: 'base64url'): string;
  createHash(alg: 'sha256'): { update(data: string | Uint8Array, enc?: string): { digest(): Uint8Array } };
  createHmac(alg: 'sha256', key: Uint8Array): { update(data: string, enc: string): { digest(): Uint8Array } };
};

const node = (
  globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
).process?.getBuiltinModule?.('node:crypto') as NodeHashing | undefined;

const encoder = new TextEncoder();

/**
 * base64url(SHA-256(text)) of an ASCII/UTF-8 string: synchronous with node:crypto, a promise
 * with WebCrypto elsewhere (RFC 9449 `ath`, RFC 7638 thumbprints).
 */
export function sha256Base64url(text: string): string | Promise<string> {
  if (node?.hash) return node.hash('sha256', text, 'base64url');
  if (node) return encodeBase64url(node.createHash('sha256').update(text, 'utf8').digest());
  return crypto.subtle
    .digest('SHA-256', encoder.encode(text))
    .then((digest) => encodeBase64url(new Uint8Array(digest)));
}

/** HMAC-SHA-256 of `text` under `key`: synchronous with node:crypto, a promise elsewhere. */
export function hmacSha256(key: Uint8Array, text: string): Uint8Array | Promise<Uint8Array> {
  if (node) return node.createHmac('sha256', key).update(text, 'utf8').digest();
  return crypto.subtle
    .importKey('raw', key as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    .then((k) => crypto.subtle.sign('HMAC', k, encoder.encode(text)))
    .then((sig) => new Uint8Array(sig));
}

/**
 * Constant-time comparison of two strings of the same length (false when lengths differ). A
 * plain loop on every runtime: encoding both strings for `timingSafeEqual` cost more than the
 * comparison (and its vectorised encoder slowed the signature check that follows).
 */
export function safeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
