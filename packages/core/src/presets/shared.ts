import type { ClaimCheck, IssuerOptions } from '../config/issuer-options.js';
import type { JwtClaims } from '../context/types.js';

/**
 * What every preset shares: the options type it returns, argument checks (a `TypeError` naming
 * the preset and the argument, at start-up), and the claim checks providers' own libraries make.
 */

/**
 * What a preset returns: plain issuer options, to spread into `jwtAuth()` / `createVerifier()`
 * and extend (options written after the spread win).
 */
export type PresetOptions = IssuerOptions & {
  /** The preset's claim checks, always a list so yours can be appended: `[...preset.claimCheck, mine]`. */
  claimCheck?: readonly ClaimCheck[];
};

/** The preset's arguments object, or a `TypeError`. */
export function argumentsOf<T extends object>(preset: string, value: T | undefined): T {
  if (typeof value !== 'object' || value === null)
    throw new TypeError(`tokengate: ${preset}() needs an options object`);
  return value;
}

/** A non-empty string argument, or a `TypeError` naming it (an unset environment variable?). */
export function requireString(preset: string, name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(
      `tokengate: ${preset}() option "${name}" must be a non-empty string${value === undefined ? ' (an unset environment variable?)' : ''}`,
    );
  }
  return value;
}

/** A non-empty string or list of them. */
export function requireStrings(preset: string, name: string, value: unknown): string[] {
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0) throw new TypeError(`tokengate: ${preset}() option "${name}" must not be empty`);
  return values.map((v) => requireString(preset, name, v));
}

/** An https URL argument without a trailing slash, or a `TypeError`. */
export function requireBaseUrl(preset: string, name: string, value: unknown): string {
  const text = requireString(preset, name, value);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`tokengate: ${preset}() option "${name}" must be an absolute URL`);
  }
  if (
    url.protocol !== 'https:' &&
    !(url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
  ) {
    throw new TypeError(`tokengate: ${preset}() option "${name}" must be an https URL`);
  }
  if (url.search || url.hash)
    throw new TypeError(`tokengate: ${preset}() option "${name}" must have no query or fragment`);
  return text.replace(/\/+$/, '');
}

/** A check that `claim` is a string among `accepted`, refusing with a message naming the claim. */
export function claimIn(claim: string, accepted: readonly string[], what = `"${claim}"`): ClaimCheck {
  const set = new Set(accepted);
  return (claims: JwtClaims) => {
    const value = claims[claim];
    if (typeof value === 'string' && set.has(value)) return true;
    return value === undefined ? `token has no ${what}` : `token ${what} is not accepted`;
  };
}

/** RFC 6901 escaping of one reference token (`~` → `~0`, `/` → `~1`). */
export function pointerToken(name: string): string {
  return name.replaceAll('~', '~0').replaceAll('/', '~1');
}
