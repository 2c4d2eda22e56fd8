/**
 * The strict segment decoder counts the members written in the JSON text with a scan that jumps
 * over strings (`indexOf`), and compares that count with the members JSON.parse kept, to refuse
 * duplicate names. This is a fast path: it must give the answer of the plain character-by-
 * character scan for every text, strings full of quotes and backslashes included.
 */
import { decodeJwt, isAuthError } from '@tokengate/core';
import { decodeJwtSegment } from '@tokengate/core/adapter';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  decodeCanonicalBase64url,
  decodeCanonicalBase64urlNative,
  isCanonicalBase64url,
} from '../../src/token/base64url.js';

/** The reference: every character looked at, every object's members listed. */
function referenceDecode(written: string): string {
  // What the decoder reads: the UTF-8 bytes of the text (a lone surrogate becomes U+FFFD).
  const text = Buffer.from(written).toString('utf8');
  if (!/^[ \t\n\r]*\{/.test(text)) return 'not a JSON object';
  let members = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === ':') members++;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not valid JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  let parsed = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item !== 'object' || item === null) continue;
    if (!Array.isArray(item)) parsed += Object.keys(item).length;
    stack.push(...Object.values(item));
  }
  return parsed === members ? `ok ${JSON.stringify(value)}` : 'duplicate member names';
}

function decode(text: string): string {
  try {
    return `ok ${JSON.stringify(decodeJwtSegment(Buffer.from(text).toString('base64url'), 'payload'))}`;
  } catch (error) {
    if (!isAuthError(error)) throw error;
    for (const outcome of ['not valid JSON', 'not a JSON object', 'duplicate member names'])
      if (error.message.includes(outcome)) return outcome;
    return error.message;
  }
}

// Strings made mostly of the characters the scan must get right.
const tricky = fc.string({
  unit: fc.constantFrom('"', '\\', ':', '{', '}', '[', ']', 'a', 'é', '\u2028', '\ud83d\ude00'),
  maxLength: 12,
});
const key = fc.oneof(tricky, fc.constantFrom('sub', 'jti', 'a', '__proto__'));
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    tricky,
    fc.integer(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    tie('object'),
  ),
  object: fc.array(fc.tuple(key, tie('value')), { maxLength: 5 }),
})).value;

/** JSON text written by hand so that duplicate names survive into it. */
function write(v: unknown): string {
  if (Array.isArray(v) && v.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string'))
    return `{${v.map(([k, e]) => `${JSON.stringify(k)}:${write(e)}`).join(',')}}`;
  if (Array.isArray(v)) return `[${v.map(write).join(',')}]`;
  return JSON.stringify(v);
}

describe('decodeJwtSegment: the string-skipping member scan', () => {
  it('gives the character-by-character answer for random JSON objects (duplicates included)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(key, value), { maxLength: 6 }), (entries) => {
        const text = write(entries);
        expect(decode(text)).toBe(referenceDecode(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('gives the same answer for mangled JSON text', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(key, value), { maxLength: 4 }),
        fc.nat(),
        fc.constantFrom('"', '\\', ':', '\\"', '"\\', ''),
        (entries, at, insert) => {
          const text = write(entries);
          const cut = text.length === 0 ? 0 : at % text.length;
          const mangled = `${text.slice(0, cut)}${insert}${text.slice(cut)}`;
          expect(decode(mangled)).toBe(referenceDecode(mangled));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('refuses a duplicate after a string ending in escaped backslashes', () => {
    expect(decode('{"a\\\\":1,"b":"x\\\\\\\\","b":2}')).toBe('duplicate member names');
    expect(decode('{"a":"\\"","a":1}')).toBe('duplicate member names');
    expect(decode('{"a":"\\\\\\"b","c":1}')).toMatch(/^ok /);
  });
});

describe('decodeCanonicalBase64url: validating while decoding', () => {
  /** The plain path: a regular expression and the bit checks, then Node's decoder. */
  const reference = (text: string) =>
    isCanonicalBase64url(text) ? Buffer.from(text, 'base64url').toString('hex') : 'refused';
  const fused = (text: string) => {
    const bytes = decodeCanonicalBase64url(text);
    const answer = bytes === undefined ? 'refused' : Buffer.from(bytes).toString('hex');
    // The native path (before an HMAC) gives the same answer as the loop, byte for byte.
    const native = decodeCanonicalBase64urlNative(text);
    expect(native === undefined ? 'refused' : Buffer.from(native).toString('hex')).toBe(answer);
    return answer;
  };

  it("decodes every byte string as Node's decoder does", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const text = Buffer.from(bytes).toString('base64url');
        expect(fused(text)).toBe(Buffer.from(bytes).toString('hex'));
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses exactly what the plain check refuses', () => {
    // Canonical text with one character replaced, inserted or removed: other alphabets, padding,
    // whitespace, non-ASCII (including characters whose low 7 bits are in the alphabet).
    const odd = fc.constantFrom(
      '+',
      '/',
      '=',
      ' ',
      '\n',
      '.',
      '\u00c1',
      '\u0141',
      '\u4e41',
      '\ud83d',
      'A',
      'B',
      'Q',
      'g',
      '_',
      '-',
    );
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.nat(),
        odd,
        fc.constantFrom('replace', 'insert', 'remove'),
        (bytes, at, char, how) => {
          const text = Buffer.from(bytes).toString('base64url');
          const cut = text.length === 0 ? 0 : at % (text.length + (how === 'insert' ? 1 : 0));
          const changed =
            how === 'insert'
              ? text.slice(0, cut) + char + text.slice(cut)
              : how === 'remove'
                ? text.slice(0, cut) + text.slice(cut + 1)
                : text.slice(0, cut) + char + text.slice(cut + 1);
          expect(fused(changed)).toBe(reference(changed));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('decodes the same claims through an ES256 token as through an HS256 one', () => {
    const payload = Buffer.from(JSON.stringify({ sub: 'é\u2028😀', n: [1, { a: '"\\' }] })).toString(
      'base64url',
    );
    const es = decodeJwt(`${Buffer.from('{"alg":"ES256"}').toString('base64url')}.${payload}.AAAA`);
    const hs = decodeJwt(`${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${payload}.AAAA`);
    expect(es.payload).toEqual(hs.payload);
    expect(Buffer.from(es.signature).equals(Buffer.from(hs.signature))).toBe(true);
  });
});

describe('the ASCII shortcut before asymmetric checks', () => {
  it('decodes every payload as the strict UTF-8 decoder does, for ES256 and HS256 alike', () => {
    const header = (alg: string) => Buffer.from(JSON.stringify({ alg })).toString('base64url');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 80 }), (raw) => {
        // `{"a":"<raw bytes>"}`: ASCII, UTF-8 or not UTF-8 at all, a BOM now and then.
        const bytes = Buffer.concat([Buffer.from('{"a":"'), Buffer.from(raw), Buffer.from('"}')]);
        const segment = bytes.toString('base64url');
        const answer = (alg: string) => {
          try {
            return JSON.stringify(decodeJwt(`${header(alg)}.${segment}.AAAA`).payload);
          } catch (error) {
            if (!isAuthError(error)) throw error;
            return error.message;
          }
        };
        expect(answer('ES256')).toBe(answer('HS256'));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('decodeBase64url off Node (key material)', () => {
  it("reads what Node's lenient decoder reads", async () => {
    const saved = globalThis.Buffer;
    const vary = fc.constantFrom('', '=', '==', ' ', '\n');
    const samples = fc.sample(fc.tuple(fc.uint8Array({ maxLength: 300 }), vary, fc.boolean()), 2000);
    const cases = samples.map(([bytes, junk, standard]) => {
      let text = saved
        .from(bytes)
        .toString(standard ? 'base64' : 'base64url')
        .replace(/=+$/, '');
      text = `${text}${junk}`;
      return { text, expected: saved.from(text, 'base64url').toString('hex') };
    });
    // A fresh copy of the module sees no Buffer, as on workerd without nodejs_compat.
    (globalThis as { Buffer?: unknown }).Buffer = undefined;
    try {
      vi.resetModules();
      const fresh = await import('../../src/token/base64url.js');
      for (const { text, expected } of cases)
        expect(saved.from(fresh.decodeBase64url(text)).toString('hex')).toBe(expected);
    } finally {
      globalThis.Buffer = saved;
    }
  });
});
