import { type OptionTable, option, optionWithDefault, resolveOptions } from '../../config/declare.js';
import { type Duration, validateAtLeastOneSecond, validateSeconds } from '../../config/duration.js';
import { validateBoolean } from '../../config/validate.js';
import type { DpopChallenge } from '../../errors/challenge.js';
import { ALGORITHMS, type Algorithm, isAlgorithm, isSymmetric } from '../../token/algorithms.js';
import { validatePublicUrl } from './htu.js';
import { createNonceSource, type DpopNonceOptions, type NonceSource } from './nonce.js';
import { createMemoryReplayStore, type ReplayStore } from './replay.js';

/**
 * The `dpop` option as an object (RFC 9449). `'allowed'` is `{}` and `'required'` is
 * `{ required: true }`.
 */
export interface DpopOptions {
  /**
   * Refuse Bearer presentations: every request must use `Authorization: DPoP` with a proof.
   * @default false
   */
  required?: boolean;
  /**
   * Proof signature algorithms accepted (asymmetric only), announced in the challenge's `algs`.
   * @default ['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512']
   */
  algorithms?: readonly Algorithm[];
  /**
   * Oldest proof accepted: its `iat` must be at most this long ago, in seconds or as a duration
   * string. Proof identifiers are remembered this long (plus `clockTolerance`) to refuse replays.
   * @default '5m'
   */
  maxAge?: Duration;
  /**
   * How far in the future a proof's `iat` may be (clock skew), in seconds or as a duration.
   * @default 5
   */
  clockTolerance?: Duration;
  /**
   * Server-provided nonces (RFC 9449 §8): proofs must carry the current nonce; a proof without it
   * is answered 401 `use_dpop_nonce` with the nonce in `DPoP-Nonce`. Give several instances the
   * same `secret`.
   * @default false
   */
  nonce?: boolean | DpopNonceOptions;
  /**
   * The external base URL of this app (scheme, host, port and any path prefix a reverse proxy
   * strips), used for the `htu` comparison instead of the request's own scheme and `Host`.
   * Behind a proxy that terminates TLS or rewrites the host, set it: otherwise every proof fails
   * the `htu` check.
   * @example `publicUrl: 'https://api.example.com'`
   */
  publicUrl?: string | URL;
  /**
   * Where proof identifiers are remembered: {@link createMemoryReplayStore} by default (one
   * instance), `createRedisReplayStore` from `@tokengate/redis` for several instances.
   */
  replay?: ReplayStore;
}

/** The `dpop` option, resolved once. */
export interface DpopSettings {
  /** `dpop.required`. */
  readonly required: boolean;
  /** `dpop.algorithms`. */
  readonly algorithms: ReadonlySet<Algorithm>;
  /** `dpop.maxAge`, in seconds. */
  readonly maxAge: number;
  /** `dpop.clockTolerance`, in seconds. */
  readonly clockTolerance: number;
  /** The nonce source, when `dpop.nonce` is on. */
  readonly nonce: NonceSource | undefined;
  /** `dpop.publicUrl`. */
  readonly publicUrl: URL | undefined;
  /** `dpop.replay` (a memory store by default). */
  readonly replay: ReplayStore;
  /** Challenges per scheme the request used (`undefined`: no credentials). */
  readonly challenges: {
    /** A Bearer request failed. */
    readonly bearer: DpopChallenge;
    /** A DPoP request failed. */
    readonly dpop: DpopChallenge;
    /** No credentials were sent. */
    readonly none: DpopChallenge;
  };
}

/** Default proof algorithms: every asymmetric algorithm tokengate verifies. */
export const DPOP_ALGORITHMS: readonly Algorithm[] = [
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
];

/** The `dpop` options object, declared once (see `config/declare.ts`). */
const DPOP_OPTIONS = {
  required: optionWithDefault(validateBoolean, false),
  algorithms: optionWithDefault((value, label): readonly Algorithm[] => {
    if (
      !Array.isArray(value) ||
      value.length === 0 ||
      value.some((alg) => !isAlgorithm(alg) || isSymmetric(alg))
    ) {
      throw new TypeError(
        `tokengate: ${label} must list asymmetric algorithms (${ALGORITHMS.filter((a) => !isSymmetric(a)).join(', ')})`,
      );
    }
    return [...new Set(value as Algorithm[])];
  }, DPOP_ALGORITHMS),
  maxAge: optionWithDefault(validateAtLeastOneSecond, 300),
  clockTolerance: optionWithDefault(validateSeconds, 5),
  nonce: option(createNonceSource),
  publicUrl: option(validatePublicUrl),
  replay: option((value, label): ReplayStore => {
    if (typeof (value as ReplayStore | null)?.markUsed !== 'function') {
      throw new TypeError(`tokengate: ${label} must be a ReplayStore`);
    }
    return value as ReplayStore;
  }),
} satisfies OptionTable<DpopOptions>;

/** Validates and resolves the `dpop` option at start-up; `undefined` when DPoP is off. */
export function resolveDpop(option: unknown): DpopSettings | undefined {
  if (option === undefined || option === false) return undefined;
  let options: DpopOptions;
  if (option === 'allowed' || option === true) options = {};
  else if (option === 'required') options = { required: true };
  else if (typeof option === 'object' && option !== null && !Array.isArray(option)) options = option;
  else throw new TypeError(`tokengate: option "dpop" must be false, 'allowed', 'required' or an object`);
  const resolved = resolveOptions(DPOP_OPTIONS, options, { prefix: 'dpop.' });
  const { required, algorithms } = resolved;
  const challenge = (scheme: DpopChallenge['scheme']): DpopChallenge =>
    Object.freeze({ algorithms, bearer: !required, scheme });
  return {
    ...resolved,
    algorithms: new Set(algorithms),
    replay: resolved.replay ?? createMemoryReplayStore(),
    challenges: { bearer: challenge('bearer'), dpop: challenge('dpop'), none: challenge(undefined) },
  };
}

/** The proof algorithms and `required` of a `dpop` option, for RFC 9728 metadata; `undefined` when off. */
export function dpopMetadata(option: unknown): { algorithms: string[]; required: boolean } | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === 'allowed' || option === 'required') {
    return { algorithms: [...DPOP_ALGORITHMS], required: option === 'required' };
  }
  const object = (typeof option === 'object' && option !== null ? option : {}) as DpopOptions;
  return {
    algorithms: [...new Set(object.algorithms ?? DPOP_ALGORITHMS)],
    required: object.required === true,
  };
}
