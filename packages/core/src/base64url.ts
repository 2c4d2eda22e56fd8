const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

const ALPHABET_ONLY = /^[A-Za-z0-9_-]*$/;

type BufferLike = { from(input: string, encoding: string): Uint8Array };
const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer;

/**
 * Whether `segment` is canonical unpadded base64url (RFC 7515 §2, RFC 4648 §5): only the
 * base64url alphabet, no `=` padding, no whitespace, a length that encodes whole bytes, and zero
 * unused bits in the last character. One value therefore has exactly one accepted spelling.
 */
export function isCanonicalBase64url(segment: string): boolean {
  const length = segment.length;
  const rest = length & 3;
  if (rest === 1 || !ALPHABET_ONLY.test(segment)) return false;
  if (rest === 0) return true;
  const last = LOOKUP[segment.charCodeAt(length - 1)]!;
  return rest === 2 ? (last & 0x0f) === 0 : (last & 0x03) === 0;
}

/** Decodes a segment already checked by {@link isCanonicalBase64url}. */
export function decodeBase64url(segment: string): Uint8Array {
  if (NodeBuffer) return NodeBuffer.from(segment, 'base64url');
  const out = new Uint8Array((segment.length * 3) >> 2);
  let bits = 0;
  let value = 0;
  let j = 0;
  for (let i = 0; i < segment.length; i++) {
    value = (value << 6) | LOOKUP[segment.charCodeAt(i)]!;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (value >> bits) & 0xff;
    }
  }
  return out;
}

/** Encodes bytes as unpadded base64url. */
export function encodeBase64url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  if (i < bytes.length) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]!;
    if (i + 1 < bytes.length) out += ALPHABET[(n >> 6) & 63]!;
  }
  return out;
}
