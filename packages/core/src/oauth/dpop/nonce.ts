import { type OptionTable, option, optionWithDefault, resolveOptions } from '../../config/declare.js';
import { type Duration, validateAtLeastOneSecond } from '../../config/duration.js';
import { validateFunction } from '../../config/validate.js';
import { encodeBase64url } from '../../token/base64url.js';
import { hmacSha256, safeEqual } from './digest.js';

/** Options of the server-provided DPoP nonces (RFC 9449 §8): `nonce: true` or this object. */
export interface DpopNonceOptions {
  /**
   * Key that signs the nonces (at least 32 bytes). Give every instance of the API the same one so
   * that a nonce issued by one is accepted by the others. By default, 32 random bytes per process.
   */
  secret?: string | Uint8Array;
  /**
   * How long a nonce is current, in seconds or as a duration string. The previous nonce stays
   * accepted for one more period, so a client never sees a nonce expire under it.
   * @default '5m'
   */
  lifetime?: Duration;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

/** Issues and checks stateless nonces: `<period in base 36>.<HMAC of the period>`. */
export interface NonceSource {
  /** The nonce clients must use now (sent as `DPoP-Nonce`). */
  current(): string | Promise<string>;
  /** Whether `nonce` is the current or the previous period's nonce. */
  check(nonce: string): boolean | Promise<boolean>;
}

const SIGNATURE_CHARS = 22; // 128 bits of the HMAC, base64url

/** The `dpop.nonce` options object, declared once (see `config/declare.ts`). */
const NONCE_OPTIONS = {
  secret: option((value, label): Uint8Array => {
    const key =
      typeof value === 'string'
        ? new TextEncoder().encode(value)
        : value instanceof Uint8Array
          ? value
          : undefined;
    if (key === undefined) throw new TypeError(`tokengate: ${label} must be a string or a Uint8Array`);
    if (key.length < 32) throw new TypeError(`tokengate: ${label} must be at least 32 bytes`);
    return key;
  }),
  lifetime: optionWithDefault(validateAtLeastOneSecond, 300),
  now: option(validateFunction<() => number>),
} satisfies OptionTable<DpopNonceOptions>;

/** Resolves the `dpop.nonce` option; `undefined` when nonces are off. */
export function createNonceSource(value: unknown): NonceSource | undefined {
  if (value === undefined || value === false) return undefined;
  if (value !== true && (typeof value !== 'object' || value === null)) {
    throw new TypeError('tokengate: option "dpop.nonce" must be a boolean or { secret, lifetime }');
  }
  const settings = resolveOptions(NONCE_OPTIONS, value === true ? {} : value, { prefix: 'dpop.nonce.' });
  const key = settings.secret ?? crypto.getRandomValues(new Uint8Array(32));
  const lifetime = settings.lifetime;
  const now = settings.now ?? Date.now;
  const memo = new Map<number, string>();

  const period = () => Math.floor(now() / 1000 / lifetime);
  const nonceFor = (p: number): string | Promise<string> => {
    const known = memo.get(p);
    if (known !== undefined) return known;
    const label = p.toString(36);
    const finish = (mac: Uint8Array) => {
      const nonce = `${label}.${encodeBase64url(mac).slice(0, SIGNATURE_CHARS)}`;
      if (memo.size > 4) memo.clear();
      memo.set(p, nonce);
      return nonce;
    };
    const mac = hmacSha256(key, `tokengate dpop nonce ${label}`);
    return mac instanceof Promise ? mac.then(finish) : finish(mac);
  };

  return {
    current: () => nonceFor(period()),
    check(nonce) {
      if (typeof nonce !== 'string' || nonce.length > 64) return false;
      const dot = nonce.indexOf('.');
      const p = dot > 0 ? Number.parseInt(nonce.slice(0, dot), 36) : Number.NaN;
      const current = period();
      if (!(p === current || p === current - 1) || nonce.slice(0, dot) !== p.toString(36)) return false;
      const expected = nonceFor(p);
      return expected instanceof Promise
        ? expected.then((e) => safeEqual(e, nonce))
        : safeEqual(expected, nonce);
    },
  };
}
