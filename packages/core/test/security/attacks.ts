/**
 * The attack corpus, as data: every known way to get a JWT bearer middleware to accept a token it
 * must refuse (or to answer 500, hang or leak), each with why it must be refused, where that rule
 * comes from, how to build it for a key mode, and the RFC 6750 answer expected.
 *
 * Run it with {@link runAttack} through any driver: the core ({@link coreDriver}), or an HTTP app
 * of any framework ({@link httpDriver} takes a Node request listener: Express `app`, Koa
 * `app.callback()`, Hono `getRequestListener(app.fetch)`).
 */
import type { AuthErrorCode, AuthErrorReason } from '../../src/index.js';
import { type AttackKit, b64u, type KeyMode } from './kit.js';

/** What is sent: a token (core `verify()`, or `Authorization: Bearer <token>` over HTTP), or raw header lines. */
export type AttackInput =
  | { readonly token: string }
  | { readonly headers: ReadonlyArray<readonly [name: string, value: string]> };

/** The expected answer. */
export type Expectation =
  | { readonly accept: true; readonly check?: (auth: AuthSummary) => string | undefined }
  | {
      readonly status: 400 | 401 | 403 | 503;
      readonly code: AuthErrorCode;
      /** One reason, or any of several (when key modes legitimately differ in which check fires first). */
      readonly reason?: AuthErrorReason | readonly AuthErrorReason[];
    }
  /** Node's HTTP parser answers before any middleware runs (header larger than `maxHeaderSize`). */
  | { readonly status: 431 };

/** One attack. */
export interface AttackCase {
  /** Short unique name. */
  readonly name: string;
  /** Why it must be refused (or, for controls, accepted). */
  readonly why: string;
  /** Where the rule comes from: RFC section, CVE, advisory. */
  readonly source: string;
  /** Key modes it applies to (default: all). */
  readonly modes?: readonly KeyMode[];
  /** Builds the input for a kit. */
  build(kit: AttackKit): AttackInput;
  /** Expected answer (a function when it depends on the key mode). */
  readonly expect: Expectation | ((kit: AttackKit) => Expectation);
  /**
   * The answer over HTTP when it differs from the core's (the header grammar of RFC 6750 §2.1
   * fires first); `null` when the input cannot be carried in an HTTP header at all.
   */
  readonly http?: Expectation | null;
  /**
   * The answer when a Node HTTP server parses the request before any middleware runs (its 16 KiB
   * header limit), when it differs from {@link AttackCase.http}; `null` when a Node client cannot
   * send the request whole (the server closes the connection while it is still being written).
   */
  readonly nodeHttp?: Expectation | null;
  /** Must be answered within this many milliseconds (cheap structural rejections). */
  readonly fastMs?: number;
}

/** What a driver observed. */
export interface AttackOutcome {
  readonly status: number;
  readonly code?: string | undefined;
  readonly reason?: string | undefined;
  /** `WWW-Authenticate`, when sent. */
  readonly challenge?: string | undefined;
  /** The accepted request's context, summarized (see {@link summarizeAuth}). */
  readonly auth?: AuthSummary | undefined;
  /** Every piece of text an attacker or a log could see: body, header values, messages. */
  readonly observed: readonly string[];
  /** Wall time of the request, in milliseconds. */
  readonly ms: number;
}

/** A driver bound to one kit. */
export interface AttackSession {
  send(input: AttackInput): Promise<AttackOutcome>;
  close(): Promise<void>;
}

/**
 * Runs attacks through one layer. `layer` selects the expectation (`'http'` and `'fetch'` apply
 * {@link AttackCase.http}, `'http'` also {@link AttackCase.nodeHttp}); `reportsCode` says whether outcomes carry `code`/`reason` (a JSON error
 * body) so they can be checked too.
 */
export interface AttackDriver {
  readonly name: string;
  readonly layer: Layer;
  readonly reportsCode: boolean;
  open(kit: AttackKit): Promise<AttackSession>;
}

// ---------------------------------------------------------------------------------------------
// The accepted request's context, as every driver's protected route reports it.

/** A JSON-able summary of an accepted request's context, with prototype-pollution probes. */
export interface AuthSummary {
  subject: string | undefined;
  issuer: string | undefined;
  roles: string[];
  scopes: string[];
  claimKeys: string[];
  /** Whether `claims` still has `Object.prototype` as its prototype. */
  claimsPrototypeIsObject: boolean;
  /** Probe names visible on `claims` without being own properties. */
  inherited: string[];
  /** Whether `Object.prototype` gained any property since start-up. */
  prototypePolluted: boolean;
}

const ORIGINAL_PROTO = new Set(Object.getOwnPropertyNames(Object.prototype));
const PROBES = ['admin', 'polluted', 'isAdmin', 'roles', 'sub', 'scope'];

/** Whether `Object.prototype` gained a property (or a probe became visible on a fresh object). */
export function prototypePolluted(): boolean {
  const fresh = {} as Record<string, unknown>;
  return (
    Object.getOwnPropertyNames(Object.prototype).some((n) => !ORIGINAL_PROTO.has(n)) ||
    PROBES.some((p) => fresh[p] !== undefined)
  );
}

/** Summarizes an auth context; every driver's protected route answers `200` with this as JSON. */
export function summarizeAuth(auth: {
  subject: string | undefined;
  issuer: string | undefined;
  roles: ReadonlySet<string>;
  scopes: ReadonlySet<string>;
  claims: unknown;
}): AuthSummary {
  const claims = auth.claims as object;
  return {
    subject: auth.subject,
    issuer: auth.issuer,
    roles: [...auth.roles].sort(),
    scopes: [...auth.scopes].sort(),
    claimKeys: Object.keys(claims).sort(),
    claimsPrototypeIsObject: Object.getPrototypeOf(claims) === Object.prototype,
    inherited: PROBES.filter((k) => k in claims && !Object.hasOwn(claims, k)),
    prototypePolluted: prototypePolluted(),
  };
}

// ---------------------------------------------------------------------------------------------
// Expectation helpers.

const accept = (check?: (auth: AuthSummary) => string | undefined): Expectation => ({ accept: true, check });
const invalid = (reason: AuthErrorReason | readonly AuthErrorReason[]): Expectation => ({
  status: 401,
  code: 'invalid_token',
  reason,
});
const badRequest: Expectation = { status: 400, code: 'invalid_request' };
const noCredentials: Expectation = { status: 401, code: 'missing_token' };
/** Attacker-signed token whose `kid` selects nothing in a key set, or whose signature fails. */
const unknownKeyOrBadSignature = (kit: AttackKit) =>
  invalid(kit.kidSelectsKey ? 'unknown_key' : 'bad_signature');

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Sets unused trailing bits of an unpadded base64url segment (length % 4 must be 2 or 3). */
export function withTrailingBits(segment: string): string {
  if (segment.length % 4 < 2) throw new Error('segment has no unused bits');
  const last = ALPHABET.indexOf(segment.at(-1)!);
  return segment.slice(0, -1) + ALPHABET[last | 1];
}

/** Claims padded so their base64url has unused trailing bits (byte length ≡ 1 mod 3). */
function oddLength(base: Record<string, unknown>): Record<string, unknown> {
  for (let n = 0; n < 3; n++) {
    const value = { ...base, pad: 'x'.repeat(n) };
    if (Buffer.byteLength(JSON.stringify(value)) % 3 === 1) return value;
  }
  throw new Error('unreachable');
}

/** Adds a filler so that the base64url of the JSON contains `-` or `_`. */
function withUrlChars(base: Record<string, unknown>): Record<string, unknown> {
  for (let n = 0; n < 24; n++) {
    const value = { ...base, pad: `${'x'.repeat(n % 3)}>>>???~~~${'?'.repeat(n)}` };
    if (/[-_]/.test(b64u(JSON.stringify(value)))) return value;
  }
  throw new Error('no filler gives "-" or "_"');
}

const toStandardAlphabet = (segment: string) => segment.replace(/-/g, '+').replace(/_/g, '/');

/** A legitimate token whose signature segment contains `-` or `_` (so it has a `+`/`/` spelling). */
function tokenWithUrlCharsInSignature(kit: AttackKit): string {
  for (let i = 0; i < 200; i++) {
    const token = kit.token({ claims: { jti: `jti-${i}` } });
    if (/[-_]/.test(token.split('.')[2]!)) return token;
  }
  throw new Error('no signature with "-" or "_" in 200 tries');
}

/** DER `SEQUENCE { INTEGER r, INTEGER s }` of a raw r‖s ECDSA signature. */
function derSignature(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    let body = Array.from(bytes.subarray(i));
    if (body[0]! & 0x80) body = [0, ...body];
    return [0x02, body.length, ...body];
  };
  const half = raw.length / 2;
  const content = [...integer(raw.subarray(0, half)), ...integer(raw.subarray(half))];
  return new Uint8Array([0x30, content.length, ...content]);
}

/** Order n of P-256 (SEC 2), big-endian. */
const P256_N = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');

function split(token: string): [string, string, string] {
  return token.split('.') as [string, string, string];
}

const NONE_CASINGS = ['none', 'None', 'NONE', 'nOnE'] as const;
const ASYMMETRIC: readonly KeyMode[] = ['RS256', 'ES256', 'EdDSA'];

// ---------------------------------------------------------------------------------------------
// The corpus.

const controls: AttackCase[] = [
  {
    name: 'control: a valid token is accepted',
    why: 'the suite must be able to tell an accepting verifier from a refusing one',
    source: 'RFC 7519 §7.2',
    build: (kit) => ({ token: kit.token() }),
    expect: accept((auth) =>
      auth.subject === 'alice' && auth.scopes.join() === 'orders:read' ? undefined : 'wrong context',
    ),
  },
  {
    name: 'control: exp 3 s ago is inside the 5 s clock tolerance',
    why: 'the default tolerance absorbs clock skew between issuer and server',
    source: 'RFC 7519 §4.1.4 ("small leeway")',
    build: (kit) => ({ token: kit.token({ claims: { exp: Math.floor(Date.now() / 1000) - 3 } }) }),
    expect: accept(),
  },
  {
    name: 'control: aud array that contains our audience',
    why: 'aud may be an array; the token is for us when one member identifies us',
    source: 'RFC 7519 §4.1.3',
    build: (kit) => ({ token: kit.token({ claims: { aud: ['api://other', kit.audience] } }) }),
    expect: accept(),
  },
  {
    name: 'control: typ at+jwt (RFC 9068) and application/at+jwt',
    why: 'typ is compared case-insensitively without the application/ prefix',
    source: 'RFC 7515 §4.1.9, RFC 9068 §2.1',
    build: (kit) => ({ token: kit.token({ header: { typ: 'application/AT+JWT' } }) }),
    expect: accept(),
  },
  {
    name: 'control: Bearer followed by two spaces',
    why: 'RFC 6750 allows one or more spaces (1*SP) after the scheme',
    source: 'RFC 6750 §2.1',
    build: (kit) => ({ headers: [['Authorization', `Bearer  ${kit.token()}`]] }),
    expect: accept(),
  },
  {
    name: 'control: lower-case scheme "bearer"',
    why: 'auth scheme names are case-insensitive',
    source: 'RFC 9110 §11.1',
    build: (kit) => ({ headers: [['Authorization', `bearer ${kit.token()}`]] }),
    expect: accept(),
  },
];

const unsecured: AttackCase[] = NONE_CASINGS.flatMap((alg): AttackCase[] => [
  {
    name: `alg "${alg}" without a signature`,
    why: 'an unsecured JWT carries no proof of origin; anyone can write one',
    source: 'RFC 8725 §3.1, CVE-2015-2951, CVE-2022-23540, jwt_tool -X a',
    build: (kit) => ({ token: `${split(kit.token({ header: { alg } }))[0]}.${split(kit.token())[1]}.` }),
    expect: invalid(['alg_not_allowed', 'malformed']),
  },
  {
    name: `alg "${alg}" with a signature`,
    why: 'a signature present next to alg none must not make the token acceptable either',
    source: 'RFC 8725 §3.1, jwt_tool -X a',
    build: (kit) => ({ token: kit.token({ header: { alg }, signAlg: kit.alg }) }),
    expect: invalid('alg_not_allowed'),
  },
]);

const confusion: AttackCase[] = [
  ...(
    [
      ['PEM text', (kit: AttackKit) => kit.publicKeyPem!],
      ['PEM text with a leading newline', (kit: AttackKit) => `\n${kit.publicKeyPem!}`],
      ['SPKI DER bytes', (kit: AttackKit) => kit.publicKeyDer!],
      ['JWK JSON text', (kit: AttackKit) => JSON.stringify(kit.publicJwk)],
    ] as const
  ).map(
    ([what, key]): AttackCase => ({
      name: `HS256 signed with the public key (${what})`,
      why: 'whoever holds the public key could MAC tokens if HMAC were accepted with it (algorithm confusion)',
      source: 'RFC 8725 §2.1/§3.1, CVE-2016-10555, CVE-2022-23541, CVE-2023-48223, GHSA-ww5h-9m49-7xx4',
      modes: ASYMMETRIC,
      build: (kit) => ({ token: kit.token({ header: { alg: 'HS256' }, key: { hmac: key(kit) } }) }),
      expect: invalid('alg_not_allowed'),
    }),
  ),
  {
    name: 'RS256 token against an HMAC secret',
    why: 'a secret is bound to HS256; an asymmetric alg names a key the server never configured',
    source: 'RFC 8725 §3.1, CVE-2026-22817',
    modes: ['HS256'],
    build: (kit) => ({ token: kit.token({ header: { alg: 'RS256' }, key: 'attacker' }) }),
    expect: invalid('alg_not_allowed'),
  },
  ...(
    [
      ['HS256', 'HS384'],
      ['HS256', 'HS512'],
      ['RS256', 'RS512'],
      ['RS256', 'PS256'],
      ['ES256', 'ES384'],
      ['ES256', 'ES512'],
      ['EdDSA', 'ES256'],
    ] as const
  ).map(
    ([mode, alg]): AttackCase => ({
      name: `${alg} with the ${mode} key (outside the allow-list)`,
      why: 'each key is bound to the algorithms configuration implies; the token does not choose',
      source: 'RFC 8725 §3.1, CVE-2026-22818, CVE-2022-23539',
      modes: [mode],
      build: (kit) => ({ token: kit.token({ header: { alg } }) }),
      expect: invalid('alg_not_allowed'),
    }),
  ),
  {
    name: 'alg in a different case (e.g. "hs256")',
    why: 'alg is a case-sensitive string; a lenient match is a second spelling of the policy',
    source: 'RFC 7515 §4.1.1',
    build: (kit) => ({ token: kit.token({ header: { alg: kit.alg.toLowerCase() }, signAlg: kit.alg }) }),
    expect: invalid('alg_not_allowed'),
  },
  {
    name: 'unknown alg name',
    why: 'only algorithms on the allow-list are used',
    source: 'RFC 8725 §3.1',
    build: (kit) => ({ token: kit.token({ header: { alg: 'XS256' }, signAlg: kit.alg }) }),
    expect: invalid('alg_not_allowed'),
  },
  ...(
    [
      ['a number', 256],
      ['an array', ['HS256']],
      ['null', null],
      ['an empty string', ''],
    ] as const
  ).map(
    ([what, alg]): AttackCase => ({
      name: `alg is ${what}`,
      why: 'alg is a required string; anything else is a malformed header',
      source: 'RFC 7515 §4.1.1',
      build: (kit) => ({ token: kit.token({ header: { alg }, signAlg: kit.alg }) }),
      expect: invalid('malformed'),
    }),
  ),
  {
    name: 'alg of 4000 characters',
    why: 'an attacker-chosen alg must not be reflected at length into the challenge (proxies cap response headers)',
    source: 'RFC 8725 §3.1; CWE-117',
    build: (kit) => ({ token: kit.token({ header: { alg: `HS256${'x'.repeat(4000)}` }, signAlg: kit.alg }) }),
    expect: invalid('alg_not_allowed'),
  },
  {
    name: 'header without alg',
    why: 'alg is REQUIRED',
    source: 'RFC 7515 §4.1.1',
    build: (kit) => ({ token: kit.token({ header: { alg: undefined }, signAlg: kit.alg }) }),
    expect: invalid('malformed'),
  },
  {
    name: 'HMAC with an empty key ("blank password")',
    why: 'an empty HMAC key is known to everyone',
    source: 'CVE-2019-20933, CVE-2020-28637, jwt_tool -X b',
    build: (kit) => ({ token: kit.token({ header: { alg: 'HS256' }, key: { hmac: '' } }) }),
    expect: (kit) => invalid(kit.mode === 'HS256' ? 'bad_signature' : 'alg_not_allowed'),
  },
];

const embeddedKeys: AttackCase[] = [
  {
    name: 'embedded jwk header with the attacker key',
    why: 'a key carried by the token proves nothing: whoever made the token chose it',
    source: 'RFC 7515 §4.1.3, RFC 8725 §3.10, CVE-2018-0114, jwt_tool -X i',
    build: (kit) => ({
      token: kit.token({ header: { jwk: kit.attackerJwk }, key: 'attacker' }),
    }),
    expect: invalid('bad_signature'),
  },
  {
    name: 'jku header pointing at the attacker JWKS',
    why: 'fetching a URL chosen by the token is SSRF, and trusting what it returns lets anyone sign',
    source: 'RFC 7515 §4.1.2, RFC 8725 §3.10, jwt_tool -X s',
    build: (kit) => ({ token: kit.token({ header: { jku: `${kit.trapUrl}/jwks.json` }, key: 'attacker' }) }),
    expect: invalid('bad_signature'),
  },
  {
    name: 'jku header and an attacker kid',
    why: 'an unknown kid must not trigger a fetch of the token-supplied jku',
    source: 'RFC 7515 §4.1.2, RFC 8725 §3.10',
    build: (kit) => ({
      token: kit.token({
        header: { jku: `${kit.trapUrl}/jwks.json`, kid: 'attacker-key' },
        key: 'attacker',
      }),
    }),
    expect: unknownKeyOrBadSignature,
  },
  {
    name: 'x5u header pointing at the attacker certificate',
    why: 'as jku: a token-chosen URL is never dereferenced',
    source: 'RFC 7515 §4.1.5, RFC 8725 §3.10',
    build: (kit) => ({ token: kit.token({ header: { x5u: `${kit.trapUrl}/cert.pem` }, key: 'attacker' }) }),
    expect: invalid('bad_signature'),
  },
  {
    name: 'x5c header with the attacker self-signed certificate',
    why: 'a certificate chain in the token is only meaningful against a configured trust anchor',
    source: 'RFC 7515 §4.1.6, RFC 8725 §3.10',
    build: (kit) => ({ token: kit.token({ header: { x5c: [kit.attackerX5c] }, key: 'attacker' }) }),
    expect: invalid('bad_signature'),
  },
];

const hostileKids: AttackCase[] = [
  ...(
    [
      ['path traversal to /dev/null (empty HMAC key)', '../../../../../../../dev/null', ''],
      [
        'path traversal to a file with known contents',
        '../../../../proc/sys/kernel/randomize_va_space',
        '2\n',
      ],
      ['SQL injection', "x' UNION SELECT 'attacker-secret' -- ", 'attacker-secret'],
      ['command injection', 'key.pem|curl 127.0.0.1', 'attacker-secret'],
      ['CRLF and NUL', 'a\r\nX-Injected: 1\u0000', 'attacker-secret'],
      ['a URL', 'http://127.0.0.1:9/key', 'attacker-secret'],
      ['4000 characters', 'k'.repeat(4000), 'attacker-secret'],
    ] as const
  ).map(
    ([what, kid, hmac]): AttackCase => ({
      name: `hostile kid: ${what}`,
      why: 'kid is an opaque hint, never a path, a query or a URL; what the attacker aims it at must not become the key',
      source: 'RFC 7515 §4.1.4, RFC 8725 §3.10, PortSwigger JWT labs',
      build: (kit) => ({
        token:
          kit.mode === 'HS256'
            ? kit.token({ header: { kid }, key: { hmac } })
            : kit.token({ header: { kid }, key: 'attacker' }),
      }),
      expect: unknownKeyOrBadSignature,
    }),
  ),
  {
    name: 'hostile kid: URL pointing at the trap server',
    why: 'a kid is never fetched',
    source: 'RFC 8725 §3.10',
    build: (kit) => ({ token: kit.token({ header: { kid: `${kit.trapUrl}/kid` }, key: 'attacker' }) }),
    expect: unknownKeyOrBadSignature,
  },
  ...(
    [
      ['a NoSQL operator object', { $ne: null }],
      ['a number', 1],
      ['an array', ['k']],
    ] as const
  ).map(
    ([what, kid]): AttackCase => ({
      name: `kid is ${what} (legitimately signed)`,
      why: 'kid is a string; a non-string kid is a malformed header, and an operator object could match any key in a lookup',
      source: 'RFC 7515 §4.1.4, RFC 8725 §3.10',
      build: (kit) => ({ token: kit.token({ header: { kid } }) }),
      expect: invalid('malformed'),
    }),
  ),
];

const extensions: AttackCase[] = [
  {
    name: 'crit with an unknown extension',
    why: 'a recipient that does not understand a critical extension MUST reject the JWS',
    source: 'RFC 7515 §4.1.11, Appendix E',
    build: (kit) => ({
      token: kit.token({ header: { crit: ['urn:x:must-understand'], 'urn:x:must-understand': 1 } }),
    }),
    expect: invalid('malformed'),
  },
  {
    name: 'crit empty',
    why: 'producers MUST NOT send an empty crit list',
    source: 'RFC 7515 §4.1.11',
    build: (kit) => ({ token: kit.token({ header: { crit: [] } }) }),
    expect: invalid('malformed'),
  },
  {
    name: 'crit naming a JWS-defined parameter',
    why: 'crit must not list names defined by JWS/JWA',
    source: 'RFC 7515 §4.1.11',
    build: (kit) => ({ token: kit.token({ header: { crit: ['alg'] } }) }),
    expect: invalid('malformed'),
  },
  {
    name: 'b64:false with crit, signature valid under both readings',
    why: 'a JWT never uses the unencoded payload option; a verifier that ignores it would read a different payload',
    source: 'RFC 7797 §3, §7',
    build: (kit) => ({ token: kit.token({ header: { b64: false, crit: ['b64'] } }) }),
    expect: invalid('malformed'),
  },
  {
    name: 'b64:false without crit',
    why: 'b64 must be critical; without crit a verifier could ignore it silently',
    source: 'RFC 7797 §6',
    build: (kit) => ({ token: kit.token({ header: { b64: false } }) }),
    expect: invalid('malformed'),
  },
];

const ecdsa: AttackCase[] = [
  {
    name: 'ECDSA r = s = 0 (raw 64 zero bytes, "psychic signature")',
    why: 'r and s must be in [1, n-1]; zero verifies any message on a broken verifier',
    source: 'CVE-2022-21449, RFC 7518 §3.4, jwt_tool -X p',
    modes: ['ES256'],
    build: (kit) => ({ token: kit.token({ signature: () => b64u(new Uint8Array(64)) }) }),
    expect: invalid('bad_signature'),
  },
  {
    name: 'ECDSA r = s = n',
    why: 'r and s must be < n; n is congruent to 0',
    source: 'CVE-2022-21449',
    modes: ['ES256'],
    build: (kit) => ({ token: kit.token({ signature: () => b64u(Buffer.concat([P256_N, P256_N])) }) }),
    expect: invalid('bad_signature'),
  },
  {
    name: 'ECDSA signature in DER instead of raw r‖s',
    why: 'JWS ECDSA signatures are raw R‖S; accepting DER adds a second, malleable spelling',
    source: 'RFC 7518 §3.4',
    modes: ['ES256'],
    build: (kit) => ({ token: kit.token({ signature: (raw) => b64u(derSignature(raw)) }) }),
    expect: invalid('bad_signature'),
  },
  {
    name: 'ECDSA r = s = 0 in DER',
    why: 'the psychic signature in the other encoding',
    source: 'CVE-2022-21449',
    modes: ['ES256'],
    build: (kit) => ({
      token: kit.token({ signature: () => b64u(new Uint8Array([0x30, 6, 2, 1, 0, 2, 1, 0])) }),
    }),
    expect: invalid('bad_signature'),
  },
  {
    name: 'EdDSA all-zero signature',
    why: 'a small-order R with s = 0 must not verify',
    source: 'RFC 8032 §5.1.7',
    modes: ['EdDSA'],
    build: (kit) => ({ token: kit.token({ signature: () => b64u(new Uint8Array(64)) }) }),
    expect: invalid('bad_signature'),
  },
];

const claimCases: AttackCase[] = [
  ...(
    [
      ['expired (exp 60 s ago)', () => ({ exp: Math.floor(Date.now() / 1000) - 60 }), 'expired'],
      ['nbf 60 s in the future', (k: AttackKit) => ({ nbf: k.now + 60 }), 'not_yet_valid'],
      ['iat 60 s in the future', (k: AttackKit) => ({ iat: k.now + 60 }), 'not_yet_valid'],
      ['wrong iss', () => ({ iss: 'https://evil.example/' }), 'issuer'],
      ['iss differing only in case', (k: AttackKit) => ({ iss: k.issuer.toUpperCase() }), 'issuer'],
      ['missing iss', () => ({ iss: undefined }), 'issuer'],
      ['iss with a trailing zero-width space', (k: AttackKit) => ({ iss: `${k.issuer}\u200b` }), 'issuer'],
      [
        'aud in another Unicode normalization form',
        (k: AttackKit) => ({ aud: `${k.audience}e\u0301` }),
        'audience',
      ],
      ['wrong aud (token for another service)', () => ({ aud: 'api://other' }), 'audience'],
      ['missing aud', () => ({ aud: undefined }), 'audience'],
      ['aud empty array', () => ({ aud: [] }), 'audience'],
      ['aud nested array', (k: AttackKit) => ({ aud: [[k.audience]] }), 'claims'],
      ['aud array with a non-string member', (k: AttackKit) => ({ aud: [k.audience, 1] }), 'claims'],
      ['aud object', (k: AttackKit) => ({ aud: { 0: k.audience } }), 'claims'],
      ['aud null', () => ({ aud: null }), 'claims'],
      ['iss as an array', (k: AttackKit) => ({ iss: [k.issuer] }), 'claims'],
      ['sub as an array', () => ({ sub: ['alice', 'admin'] }), 'claims'],
      ['sub as a number', () => ({ sub: 1 }), 'claims'],
      ['jti as an array', () => ({ jti: ['a', 'b'] }), 'claims'],
      // A lone surrogate has no UTF-8 spelling: a store would key the revocation under U+FFFD.
      ['jti with a lone surrogate', () => ({ jti: 'abc\ud800def' }), 'claims'],
      ['sub with a lone surrogate', () => ({ sub: 'alice\udc00' }), 'claims'],
      ['iss with a lone surrogate', (k: AttackKit) => ({ iss: `${k.issuer}\ud800` }), 'claims'],
      ['exp as a string', () => ({ exp: '9999999999' }), 'claims'],
      ['exp null', () => ({ exp: null }), 'claims'],
      ['exp true', () => ({ exp: true }), 'claims'],
      ['exp missing (required by default)', () => ({ exp: undefined }), 'claims'],
      ['nbf as a string', () => ({ nbf: '0' }), 'claims'],
      ['iat as an object', () => ({ iat: {} }), 'claims'],
    ] as const
  ).map(
    ([what, claims, reason]): AttackCase => ({
      name: `claims: ${what}`,
      why: 'registered claims are typed and honoured; a wrong type is invalid, not "absent" or "in the future"',
      source: 'RFC 7519 §4.1, §7.2; RFC 8725 §3.8/§3.9; CVE-2025-62610; CVE-2020-26160; fast-jwt #552',
      build: (kit) => ({ token: kit.token({ claims: claims(kit) }) }),
      expect: invalid(reason),
    }),
  ),
  ...(
    [
      ['exp 1e400 (parses to Infinity)', '1e400'],
      ['exp -1e400 (parses to -Infinity)', '-1e400'],
    ] as const
  ).map(
    ([what, exp]): AttackCase => ({
      name: `claims: ${what}`,
      why: 'a NumericDate is a finite number; Infinity would never expire',
      source: 'RFC 7519 §2 (NumericDate)',
      build: (kit) => ({
        token: kit.token({
          claims: JSON.stringify(kit.claims({ exp: 0 })).replace('"exp":0', `"exp":${exp}`),
        }),
      }),
      expect: invalid('claims'),
    }),
  ),
  {
    name: 'typ of another token kind (dpop+jwt)',
    why: 'explicit typing keeps one kind of JWT from being accepted as another',
    source: 'RFC 8725 §3.11, §2.8',
    build: (kit) => ({ token: kit.token({ header: { typ: 'dpop+jwt' } }) }),
    expect: invalid('type'),
  },
  ...['', 'application/', 'APPLICATION/'].map(
    (typ): AttackCase => ({
      name: `empty typ ${JSON.stringify(typ)}`,
      why: 'an empty media type is neither "no typ" nor JWT/at+jwt (issue 26 finding 6)',
      source: 'RFC 7515 §4.1.9, RFC 8725 §3.11',
      build: (kit) => ({ token: kit.token({ header: { typ } }) }),
      expect: invalid('type'),
    }),
  ),
];

const signatures: AttackCase[] = [
  {
    name: 'signature stripped (two segments)',
    why: 'a JWS has three segments; without a signature nothing is proven',
    source: 'RFC 7515 §7.1, CVE-2020-28042, jwt_tool -X n',
    build: (kit) => ({ token: split(kit.token()).slice(0, 2).join('.') }),
    expect: invalid('malformed'),
  },
  {
    name: 'signature empty (trailing dot)',
    why: 'an empty signature is never valid for a signing algorithm',
    source: 'CVE-2020-28042',
    build: (kit) => ({ token: `${split(kit.token()).slice(0, 2).join('.')}.` }),
    expect: invalid('malformed'),
  },
  ...([16, 1] as const).map(
    (bytes): AttackCase => ({
      name: `signature truncated to ${bytes} byte${bytes > 1 ? 's' : ''}`,
      why: 'a verifier comparing only a prefix (or a short MAC) would accept a guessable tag',
      source: 'CVE-2020-28042 (ServiceStack)',
      build: (kit) => ({ token: kit.token({ signature: (raw) => b64u(raw.subarray(0, bytes)) }) }),
      expect: invalid('bad_signature'),
    }),
  ),
  {
    name: 'signature with an extra byte',
    why: 'the signature length is fixed by the algorithm',
    source: 'RFC 7518 §3',
    build: (kit) => ({
      token: kit.token({ signature: (raw) => b64u(Buffer.concat([raw, Buffer.from([0])])) }),
    }),
    expect: invalid('bad_signature'),
  },
  {
    name: 'signature swapped from another token',
    why: 'a signature only covers its own header and payload',
    source: 'RFC 7515 §5.2',
    build: (kit) => {
      const other = split(kit.token({ claims: { sub: 'bob' } }))[2];
      const [h, p] = split(kit.token({ claims: { sub: 'admin' } }));
      return { token: `${h}.${p}.${other}` };
    },
    expect: invalid('bad_signature'),
  },
  {
    name: 'signature with one bit flipped',
    why: 'any change to the signature invalidates it',
    source: 'RFC 7515 §5.2',
    build: (kit) => ({
      token: kit.token({
        signature: (raw) => {
          const copy = Buffer.from(raw);
          copy[copy.length >> 1]! ^= 0x01;
          return b64u(copy);
        },
      }),
    }),
    expect: invalid('bad_signature'),
  },
  {
    name: 'payload changed after signing',
    why: 'the signature covers the payload',
    source: 'RFC 7515 §5.2',
    build: (kit) => {
      const [h, , s] = split(kit.token());
      return { token: `${h}.${b64u(JSON.stringify(kit.claims({ sub: 'admin' })))}.${s}` };
    },
    expect: invalid('bad_signature'),
  },
];

const jwe = (header: Record<string, unknown>) =>
  `${b64u(JSON.stringify(header))}.${b64u(new Uint8Array(40))}.${b64u(new Uint8Array(12))}.${b64u('ciphertext')}.${b64u(new Uint8Array(16))}`;

const structure: AttackCase[] = [
  ...(
    [
      [
        'PBES2 with p2c 2^31 (CPU exhaustion)',
        { alg: 'PBES2-HS512+A256KW', enc: 'A256GCM', p2c: 2 ** 31, p2s: 'AAAAAAAAAAAAAAAAAAAAAA' },
      ],
      ['zip DEF (decompression bomb)', { alg: 'dir', enc: 'A256GCM', zip: 'DEF' }],
      ['dir + A128CBC-HS256', { alg: 'dir', enc: 'A128CBC-HS256' }],
    ] as const
  ).map(
    ([what, header]): AttackCase => ({
      name: `JWE-shaped five-segment token: ${what}`,
      why: 'tokengate accepts only JWS; a JWE is refused before any decryption work',
      source: 'RFC 7516 §9, CVE-2022-36083, CVE-2023-50967, CVE-2024-28176',
      build: () => ({ token: jwe(header) }),
      expect: invalid('malformed'),
      fastMs: 50,
    }),
  ),
  {
    name: 'four segments',
    why: 'neither JWS (3) nor JWE (5)',
    source: 'RFC 7515 §7.1, RFC 7516 §9',
    build: (kit) => ({ token: `${kit.token()}.${b64u('x')}` }),
    expect: invalid('malformed'),
  },
  {
    name: 'one segment',
    why: 'not a compact serialization',
    source: 'RFC 7519 §7.2 step 1',
    build: (kit) => ({ token: split(kit.token())[0] }),
    expect: invalid('malformed'),
  },
  {
    name: 'thousands of dots',
    why: 'segment splitting must be bounded and cheap (split bomb)',
    source: 'RFC 8725 §2.6 (DoS)',
    build: () => ({ token: '.'.repeat(6000) }),
    expect: invalid('malformed'),
    fastMs: 50,
  },
  {
    name: 'four thousand tiny segments',
    why: 'segment splitting must be bounded and cheap (split bomb)',
    source: 'RFC 8725 §2.6 (DoS)',
    build: () => ({ token: 'a.'.repeat(4000) }),
    expect: invalid('malformed'),
    fastMs: 50,
  },
  {
    name: 'token of 64 KB',
    why: 'the 8 KiB limit is checked before any parsing',
    source: 'RFC 8725 §2.6 (DoS), tokengate maxTokenLength',
    build: (kit) => ({ token: `${split(kit.token())[0]}.${'A'.repeat(64 * 1024)}.${split(kit.token())[2]}` }),
    expect: invalid('too_large'),
    nodeHttp: { status: 431 },
    fastMs: 50,
  },
  {
    name: 'token of 1 MB',
    why: 'the 8 KiB limit is checked before any parsing',
    source: 'RFC 8725 §2.6 (DoS), tokengate maxTokenLength',
    build: () => ({ token: `${'A'.repeat(1024 * 1024)}.e30.AAAA` }),
    expect: invalid('too_large'),
    // Node's parser closes the connection at 16 KiB while a 1 MB request is still being written;
    // the raised-maxHeaderSize and getToken tests in attacks.test.ts cover it over Node HTTP.
    nodeHttp: null,
    fastMs: 50,
  },
];

const canonical: AttackCase[] = [
  ...(['header', 'payload'] as const).flatMap((which): AttackCase[] => [
    {
      name: `non-canonical base64url: "=" padding on the ${which} (re-signed)`,
      why: 'base64url in JWS has no padding; each value must have exactly one spelling',
      source: 'RFC 7515 §2, RFC 7519 §7.2 steps 3 and 9',
      build: (kit) => ({
        token: kit.token({
          claims: which === 'payload' ? oddLength(kit.claims()) : undefined,
          header: which === 'header' ? oddLength(kit.header()) : undefined,
          segments: (h, p) => (which === 'header' ? [`${h}==`, p] : [h, `${p}==`]),
        }),
      }),
      expect: invalid('malformed'),
      http: badRequest,
    },
    {
      name: `non-canonical base64url: "+" and "/" in the ${which} (re-signed)`,
      why: 'only the URL-safe alphabet is base64url',
      source: 'RFC 7515 §2, RFC 4648 §5',
      build: (kit) => ({
        token: kit.token({
          claims: which === 'payload' ? withUrlChars(kit.claims()) : undefined,
          header: which === 'header' ? withUrlChars(kit.header()) : undefined,
          segments: (h, p) => (which === 'header' ? [toStandardAlphabet(h), p] : [h, toStandardAlphabet(p)]),
        }),
      }),
      expect: invalid('malformed'),
    },
    {
      name: `non-canonical base64url: non-zero unused trailing bits in the ${which} (re-signed)`,
      why: 'ignoring unused bits gives every value several spellings',
      source: 'RFC 4648 §3.5, RFC 7515 §2',
      build: (kit) => ({
        token: kit.token({
          claims: which === 'payload' ? oddLength(kit.claims()) : undefined,
          header: which === 'header' ? oddLength(kit.header()) : undefined,
          segments: (h, p) => (which === 'header' ? [withTrailingBits(h), p] : [h, withTrailingBits(p)]),
        }),
      }),
      expect: invalid('malformed'),
    },
    {
      name: `whitespace inside the ${which} (re-signed)`,
      why: 'no whitespace or other extra characters are allowed in a segment',
      source: 'RFC 7519 §7.2 steps 3 and 9',
      build: (kit) => ({
        token: kit.token({
          segments: (h, p) =>
            which === 'header'
              ? [`${h.slice(0, 8)} ${h.slice(8)}`, p]
              : [h, `${p.slice(0, 8)} ${p.slice(8)}`],
        }),
      }),
      expect: invalid('malformed'),
      http: badRequest,
    },
  ]),
  {
    name: 'non-canonical base64url: "=" padding on the signature (same signature bytes)',
    why: 'the same token spelled differently would slip past revocation lists and replay caches keyed on the string',
    source: 'RFC 7515 §2, research §7 (jose accepts it)',
    build: (kit) => ({ token: `${kit.token()}=` }),
    expect: invalid('malformed'),
  },
  {
    name: 'non-canonical base64url: "+"/"/" spelling of the signature (same bytes)',
    why: 'one signature, two spellings: token-keyed caches and revocation lists can be bypassed',
    source: 'RFC 7515 §2, RFC 4648 §5',
    build: (kit) => {
      const [h, p, s] = split(tokenWithUrlCharsInSignature(kit));
      return { token: `${h}.${p}.${toStandardAlphabet(s)}` };
    },
    expect: invalid('malformed'),
  },
  {
    name: 'non-canonical base64url: non-zero unused bits in the signature (same bytes)',
    why: 'jose accepts these on Node 20/22 (atob); one token would have many spellings',
    source: 'RFC 4648 §3.5, research §7',
    build: (kit) => ({ token: kit.token({ signature: (_raw, encoded) => withTrailingBits(encoded) }) }),
    expect: invalid('malformed'),
  },
  {
    name: 'line feed inside the signature',
    why: 'no line breaks in a segment (atob would drop it)',
    source: 'RFC 7515 §2, RFC 7519 §7.2',
    build: (kit) => ({ token: kit.token({ signature: (_raw, s) => `${s.slice(0, 10)}\n${s.slice(10)}` }) }),
    expect: invalid('malformed'),
    http: null,
  },
  {
    name: 'tab inside the signature',
    why: 'no whitespace in a segment',
    source: 'RFC 7515 §2',
    build: (kit) => ({ token: kit.token({ signature: (_raw, s) => `${s.slice(0, 10)}\t${s.slice(10)}` }) }),
    expect: invalid('malformed'),
    http: badRequest,
  },
  {
    name: 'non-ASCII character in the payload segment',
    why: 'base64url is ASCII',
    source: 'RFC 4648 §5',
    build: (kit) => ({
      token: kit.token({ segments: (h, p) => [h, `${p.slice(0, 4)}\u00e9${p.slice(4)}`] }),
    }),
    expect: invalid('malformed'),
    http: badRequest,
  },
];

const INVALID_UTF8 = new Uint8Array([0x7b, 0x22, 0x73, 0x75, 0x62, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
const OVERLONG = Buffer.concat([Buffer.from('{"sub":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]);
const SURROGATE = Buffer.concat([
  Buffer.from('{"sub":"'),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from('"}'),
]);

const json: AttackCase[] = [
  ...(['[]', '"JWT"', '1', 'null', 'true', '{"alg":"HS256"', 'not json'] as const).flatMap(
    (text): AttackCase[] => [
      {
        name: `header is not a JSON object: ${text}`,
        why: 'the JOSE header must be a complete JSON object',
        source: 'RFC 7519 §7.2 step 4, RFC 7515 §5.2',
        build: (kit) => ({ token: kit.token({ header: text, signAlg: kit.alg }) }),
        expect: invalid('malformed'),
      },
      {
        name: `payload is not a JSON object: ${text}`,
        why: 'the JWT claims set must be a JSON object',
        source: 'RFC 7519 §7.2 step 10',
        build: (kit) => ({ token: kit.token({ claims: text }) }),
        expect: invalid('malformed'),
      },
    ],
  ),
  ...(
    [
      ['invalid UTF-8 (0xFF 0xFE)', INVALID_UTF8],
      ['overlong UTF-8 (0xC0 0xAF)', OVERLONG],
      ['UTF-8 encoded surrogate (CESU-8)', SURROGATE],
    ] as const
  ).flatMap(([what, bytes]): AttackCase[] => [
    {
      name: `payload is ${what}`,
      why: 'the claims set is UTF-8; decoders that replace bad bytes make two parsers read different claims',
      source: 'RFC 7519 §7.2 step 10, RFC 8725 §3.7',
      build: (kit) => ({ token: kit.token({ claims: bytes }) }),
      expect: invalid('malformed'),
    },
    {
      name: `header is ${what}`,
      why: 'the header is UTF-8',
      source: 'RFC 7519 §7.2 step 4, RFC 8725 §3.7',
      build: (kit) => ({ token: kit.token({ header: bytes, signAlg: kit.alg }) }),
      expect: invalid('malformed'),
    },
  ]),
  {
    name: 'header with a UTF-8 BOM',
    why: 'JSON text in JWS must not start with a BOM; a decoder that strips it silently adds a spelling',
    source: 'RFC 8259 §8.1, RFC 8725 §3.7',
    build: (kit) => ({
      token: kit.token({ header: `\ufeff${JSON.stringify(kit.header())}`, signAlg: kit.alg }),
    }),
    expect: invalid('malformed'),
  },
  {
    name: 'payload with a UTF-8 BOM',
    why: 'as above, for the claims set',
    source: 'RFC 8259 §8.1, RFC 8725 §3.7',
    build: (kit) => ({ token: kit.token({ claims: `\ufeff${JSON.stringify(kit.claims())}` }) }),
    expect: invalid('malformed'),
  },
  {
    name: 'duplicate alg in the header (first "none", last the real one)',
    why: 'parsers disagree on duplicates (first wins vs last wins); a gateway and tokengate would read different headers',
    source: 'RFC 7515 §4 / §5.2 step 3, RFC 8725 §3.7',
    build: (kit) => ({
      token: kit.token({
        header: `{"alg":"none",${JSON.stringify(kit.header()).slice(1)}`,
        signAlg: kit.alg,
      }),
    }),
    expect: invalid('malformed'),
  },
  {
    name: 'duplicate sub in the payload',
    why: 'two parsers would see two different subjects',
    source: 'RFC 7519 §4 ("MUST either reject or use the last"), RFC 8725 §3.7',
    build: (kit) => ({
      token: kit.token({ claims: `{"sub":"admin",${JSON.stringify(kit.claims()).slice(1)}` }),
    }),
    expect: invalid('malformed'),
  },
  {
    name: 'duplicate key spelled with a JSON escape ("al\\u0067")',
    why: 'escaped and plain spellings name the same member',
    source: 'RFC 8259 §7, RFC 8725 §3.7',
    build: (kit) => ({
      token: kit.token({
        header: `{"al\\u0067":"none",${JSON.stringify(kit.header()).slice(1)}`,
        signAlg: kit.alg,
      }),
    }),
    expect: invalid('malformed'),
  },
  {
    name: 'duplicate key inside a nested claim object',
    why: 'realm_access.roles read twice would differ between parsers',
    source: 'RFC 8725 §3.7',
    build: (kit) => ({
      token: kit.token({
        claims: JSON.stringify(kit.claims({ realm_access: 0 })).replace(
          '"realm_access":0',
          '"realm_access":{"roles":["admin"],"roles":["user"]}',
        ),
      }),
    }),
    expect: invalid('malformed'),
  },
];

const pollution: AttackCase[] = [
  {
    name: 'header nested 2500 levels deep',
    why: 'JOSE headers nest two levels (jwk, x5c); deeper nesting was parsed and deep-frozen recursively before any algorithm or signature check (a stack overflow, a 500, with a larger maxTokenLength)',
    source: 'RFC 8725 §2.6 (DoS); RFC 7515 §4.1',
    build: (kit) => ({
      token: kit.token({
        header: JSON.stringify({ ...kit.header(), deep: 0 }).replace(
          '"deep":0',
          `"deep":${'['.repeat(2500)}${']'.repeat(2500)}`,
        ),
        signAlg: kit.alg,
      }),
    }),
    expect: invalid('malformed'),
    fastMs: 50,
  },
  {
    name: 'claims nested 2500 levels deep',
    why: 'deep nesting must not overflow a stack or take long (the 8 KiB limit bounds it)',
    source: 'RFC 8725 §2.6 (DoS)',
    build: (kit) => ({
      token: kit.token({
        claims: JSON.stringify(kit.claims({ deep: 0 })).replace(
          '"deep":0',
          `"deep":${'['.repeat(2500)}${']'.repeat(2500)}`,
        ),
      }),
    }),
    expect: accept(),
    fastMs: 50,
  },
  {
    name: '__proto__ claim with admin role',
    why: 'a "__proto__" member must stay data: no inherited claims, no Object.prototype pollution, no roles from it',
    source: 'prototype pollution (CWE-1321)',
    build: (kit) => ({
      token: kit.token({
        claims: JSON.stringify(kit.claims({ x: 0 })).replace(
          '"x":0',
          '"__proto__":{"admin":true,"polluted":true,"roles":["admin"],"scope":"admin:all"}',
        ),
      }),
    }),
    expect: accept((auth) => {
      if (auth.prototypePolluted) return 'Object.prototype was polluted';
      if (!auth.claimsPrototypeIsObject) return 'claims got a new prototype';
      if (auth.inherited.length > 0) return `claims inherit ${auth.inherited.join(', ')}`;
      if (auth.roles.includes('admin') || auth.scopes.includes('admin:all'))
        return 'roles/scopes read through __proto__';
      return undefined;
    }),
  },
  {
    name: 'constructor.prototype claim',
    why: 'the classic merge-pollution shape must stay data',
    source: 'prototype pollution (CWE-1321)',
    build: (kit) => ({
      token: kit.token({
        claims: { constructor: { prototype: { polluted: true, isAdmin: true } }, prototype: { admin: true } },
      }),
    }),
    expect: accept((auth) =>
      auth.prototypePolluted || auth.inherited.length > 0 || !auth.claimsPrototypeIsObject
        ? 'polluted'
        : undefined,
    ),
  },
  {
    name: '__proto__ in the header (crit and alg through the prototype)',
    why: 'header checks must read own members only',
    source: 'prototype pollution (CWE-1321)',
    build: (kit) => ({
      token: kit.token({
        header: JSON.stringify(kit.header({ x: 0 })).replace(
          '"x":0',
          '"__proto__":{"crit":["urn:x"],"b64":false}',
        ),
        signAlg: kit.alg,
      }),
    }),
    expect: accept((auth) => (auth.prototypePolluted ? 'Object.prototype was polluted' : undefined)),
  },
];

const headerCases: AttackCase[] = [
  {
    name: 'no Authorization header',
    why: 'no credentials: 401 with a challenge and no error code',
    source: 'RFC 6750 §3, §3.1',
    build: () => ({ headers: [] }),
    expect: noCredentials,
  },
  {
    name: 'empty Authorization header',
    why: 'an empty value carries no authentication information',
    source: 'RFC 6750 §3.1',
    build: () => ({ headers: [['Authorization', '']] }),
    expect: noCredentials,
  },
  {
    name: '"Bearer" with nothing after it',
    why: 'the b64token is missing: a malformed request',
    source: 'RFC 6750 §2.1, §3.1',
    build: () => ({ headers: [['Authorization', 'Bearer']] }),
    expect: badRequest,
  },
  {
    name: '"Bearer" and a tab',
    why: 'the separator is SP, not any whitespace',
    source: 'RFC 6750 §2.1',
    build: (kit) => ({ headers: [['Authorization', `Bearer\t${kit.token()}`]] }),
    expect: badRequest,
  },
  {
    name: '"Bearer" and a no-break space (U+00A0)',
    why: 'the separator is SP; JavaScript \\s would accept NBSP',
    source: 'RFC 6750 §2.1, research §8',
    build: (kit) => ({ headers: [['Authorization', `Bearer\u00a0${kit.token()}`]] }),
    expect: badRequest,
  },
  {
    name: 'two credentials in one header (space separated)',
    why: 'exactly one b64token',
    source: 'RFC 6750 §2.1, §3.1',
    build: (kit) => ({ headers: [['Authorization', `Bearer ${kit.token()} ${kit.token()}`]] }),
    expect: badRequest,
  },
  {
    name: 'two Bearer credentials in one header (comma joined)',
    why: 'a proxy and the app could each pick a different one',
    source: 'RFC 6750 §3.1, research §5',
    build: (kit) => ({ headers: [['Authorization', `Bearer ${kit.token()}, Bearer ${kit.token()}`]] }),
    expect: badRequest,
  },
  {
    name: 'Basic and Bearer credentials in one header',
    why: 'more than one method',
    source: 'RFC 6750 §3.1',
    build: (kit) => ({ headers: [['Authorization', `Basic dXNlcjpwYXNz, Bearer ${kit.token()}`]] }),
    expect: badRequest,
  },
  {
    name: 'two Authorization header lines',
    why: 'Node keeps only the first line in req.headers; the second must not be silently ignored',
    source: 'RFC 6750 §3.1, RFC 9110 §5.3, research §5',
    build: (kit) => ({
      headers: [
        ['Authorization', `Bearer ${kit.token()}`],
        ['Authorization', `Bearer ${kit.token({ claims: { sub: 'mallory' } })}`],
      ],
    }),
    expect: badRequest,
  },
  {
    name: 'Basic scheme only',
    why: 'another scheme is "no bearer credentials": 401 without an error code',
    source: 'RFC 6750 §3.1',
    build: () => ({ headers: [['Authorization', 'Basic dXNlcjpwYXNz']] }),
    expect: noCredentials,
  },
  {
    name: '"Token" scheme carrying a valid JWT',
    why: 'only the Bearer scheme carries bearer tokens',
    source: 'RFC 6750 §2.1',
    build: (kit) => ({ headers: [['Authorization', `Token ${kit.token()}`]] }),
    expect: noCredentials,
  },
  {
    name: 'quoted token',
    why: 'b64token has no quotes',
    source: 'RFC 6750 §2.1',
    build: (kit) => ({ headers: [['Authorization', `Bearer "${kit.token()}"`]] }),
    expect: badRequest,
  },
  {
    name: '"Bearer=" (no space)',
    why: 'the scheme is followed by SP',
    source: 'RFC 6750 §2.1',
    build: (kit) => ({ headers: [['Authorization', `Bearer=${kit.token()}`]] }),
    expect: badRequest,
  },
  {
    name: 'Latin-1 byte after the token',
    why: 'b64token is ASCII; header bytes arrive as Latin-1 characters',
    source: 'RFC 6750 §2.1, research §5',
    build: (kit) => ({ headers: [['Authorization', `Bearer ${kit.token()}\u00ff`]] }),
    expect: badRequest,
  },
];

/** Every attack, grouped as in SECURITY.md. */
export const ATTACKS: readonly AttackCase[] = [
  ...controls,
  ...unsecured,
  ...confusion,
  ...embeddedKeys,
  ...hostileKids,
  ...extensions,
  ...ecdsa,
  ...claimCases,
  ...signatures,
  ...structure,
  ...canonical,
  ...json,
  ...pollution,
  ...headerCases,
];

/** Attacks that apply to one key mode. */
export function attacksFor(mode: KeyMode): AttackCase[] {
  return ATTACKS.filter((a) => !a.modes || a.modes.includes(mode));
}

// ---------------------------------------------------------------------------------------------
// Running.

/**
 * Where a driver sends attacks: the core verifier, a Node HTTP server (`'http'`), or a Fetch-API
 * handler with no Node server in front (`'fetch'`: Workers, Deno, Bun, `app.request`).
 */
export type Layer = 'core' | 'http' | 'fetch';

/** Whether `attack` cannot be carried at `layer` (its expectation there is `null`). */
export function notCarriedAt(attack: AttackCase, layer: Layer): boolean {
  if (layer === 'core') return false;
  if (layer === 'http' && attack.nodeHttp !== undefined) return attack.nodeHttp === null;
  return attack.http === null;
}

/** The expectation of `attack` at a layer (`null`: the input cannot be carried there). */
export function expectationFor(attack: AttackCase, kit: AttackKit, layer: Layer): Expectation | null {
  if (layer === 'http' && attack.nodeHttp !== undefined) return attack.nodeHttp;
  if (layer !== 'core' && attack.http !== undefined) return attack.http;
  return typeof attack.expect === 'function' ? attack.expect(kit) : attack.expect;
}

/** Turns a token input into the header lines HTTP drivers send. */
export function headerLines(input: AttackInput): ReadonlyArray<readonly [string, string]> {
  return 'token' in input ? [['Authorization', `Bearer ${input.token}`]] : input.headers;
}

function challengeError(challenge: string | undefined): string | undefined {
  return challenge ? /(?:^|[ ,])error="([^"]*)"/.exec(challenge)?.[1] : undefined;
}

/** Compares an outcome with an expectation; returns what is wrong (empty when it matches). */
export function checkOutcome(
  outcome: AttackOutcome,
  expected: Expectation,
  options: { reportsCode: boolean; fastMs?: number | undefined },
): string[] {
  const problems: string[] = [];
  if (options.fastMs !== undefined && outcome.ms > options.fastMs) {
    problems.push(`took ${outcome.ms.toFixed(1)} ms (limit ${options.fastMs} ms)`);
  }
  if ('accept' in expected) {
    if (outcome.status !== 200 || !outcome.auth) {
      problems.push(
        `expected acceptance, got ${outcome.status} ${outcome.code ?? ''} ${outcome.reason ?? ''}`,
      );
    } else {
      const problem = expected.check?.(outcome.auth);
      if (problem) problems.push(problem);
    }
    return problems;
  }
  if (outcome.status !== expected.status) {
    problems.push(
      `expected status ${expected.status}, got ${outcome.status} (${outcome.code} ${outcome.reason})`,
    );
  }
  if (!('code' in expected)) return problems;
  if (outcome.auth) problems.push('refused request still produced an auth context');
  const challenge = outcome.challenge;
  if (challenge !== undefined && challenge.length > 512) {
    problems.push(`challenge is ${challenge.length} characters long (reflected input?)`);
  }
  if (!challenge?.startsWith('Bearer')) {
    problems.push(`expected a Bearer WWW-Authenticate challenge, got ${JSON.stringify(challenge)}`);
  } else {
    const wantError =
      expected.code === 'missing_token'
        ? undefined
        : expected.code === 'invalid_request'
          ? 'invalid_request'
          : 'invalid_token';
    const gotError = challengeError(challenge);
    if (gotError !== wantError) problems.push(`challenge error ${gotError}, expected ${wantError}`);
  }
  if (options.reportsCode) {
    if (outcome.code !== expected.code) problems.push(`code ${outcome.code}, expected ${expected.code}`);
    if (expected.reason !== undefined) {
      const reasons: readonly string[] =
        typeof expected.reason === 'string' ? [expected.reason] : expected.reason;
      if (!reasons.includes(outcome.reason ?? '')) {
        problems.push(`reason ${outcome.reason}, expected ${reasons.join(' or ')}`);
      }
    }
  }
  return problems;
}

/** Result of one {@link runAttack}. */
export interface AttackResult {
  readonly outcome: AttackOutcome | undefined;
  readonly expected: Expectation | null;
  readonly problems: readonly string[];
}

/**
 * Builds `attack` for `kit`, sends it through `session`, and checks the answer.
 *
 * @example
 * ```ts
 * const session = await driver.open(kit);
 * const { problems } = await runAttack(driver, session, attack, kit);
 * expect(problems).toEqual([]);
 * ```
 */
export async function runAttack(
  driver: AttackDriver,
  session: AttackSession,
  attack: AttackCase,
  kit: AttackKit,
): Promise<AttackResult> {
  const expected = expectationFor(attack, kit, driver.layer);
  if (expected === null) return { outcome: undefined, expected, problems: [] };
  const input = attack.build(kit);
  let outcome = await session.send(input);
  if (attack.fastMs !== undefined) {
    // Cost, not scheduling noise: on a loaded machine one run can stall; the fastest of a few runs
    // still shows whether expensive work (parsing 1 MB, decrypting, key fetching) happened.
    for (let i = 0; i < 4 && outcome.ms > attack.fastMs; i++) {
      const again = await session.send(input);
      if (again.ms < outcome.ms) outcome = again;
    }
  }
  return {
    outcome,
    expected,
    problems: checkOutcome(outcome, expected, { reportsCode: driver.reportsCode, fastMs: attack.fastMs }),
  };
}
