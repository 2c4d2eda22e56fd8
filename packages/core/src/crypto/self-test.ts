import type { Algorithm } from '../token/algorithms.js';
import { decodeBase64url } from '../token/base64url.js';
import type { CryptoBackend, ImportedKey } from './backend.js';

/**
 * Known-answer tests for a signature backend: one public key (or secret) and one valid signature
 * over {@link SELF_TEST_INPUT} per algorithm family, generated once with node:crypto. A runtime's
 * node:crypto is only trusted with a key type whose vectors verify and whose corrupted copies do
 * not: workerd's `nodejs_compat` node:crypto, for one, refuses the `{ key, dsaEncoding }` and
 * `{ key, padding }` forms that ECDSA and RSA-PSS need.
 */

/** The signed message of every vector. */
export const SELF_TEST_INPUT = 'tokengate self-test';

/**
 * The algorithms tested: one per code path of a backend (the hash size does not change the path,
 * but each ECDSA curve is its own implementation).
 */
export type SelfTestAlgorithm = 'HS256' | 'RS256' | 'PS256' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA';

interface Vector {
  readonly secret?: string;
  readonly jwk?: JsonWebKey;
  readonly signature: string;
}

const RSA: JsonWebKey = {
  kty: 'RSA',
  n:
    'tRqMEOLLWBFQXT9ZcbmDedIuPdMeD4fppHuvNZq7yL_xa8A9dI-GnbW1Ej5W25m521kgH2aAY5HqpH7HP_uOV7x6mX' +
    'vOAQgp6A6cqRu2FqFR4DUg3CBv9LIC8gIkq8T-LNb9W-6JHdzV5MssGilwJPmpqt-8E5Ylrw60j3bUe9BtYDWok0Fa' +
    '3MfSf0713WrBd3kMyGK5iQmctI6ckMb5jkSwl_xDsG7UfEoR9wuOS4pN0se58d_WRRLx_DOgi7vYJ-RYne6BSU3vaT' +
    '20gaiPk41U9HBwqZBGW1O958QsW2hApf6KBuduFl_htRBt_a5iDfQWE6Sznz1WdFigQc7EKw',
  e: 'AQAB',
};

/** The vectors (base64url). */
export const SELF_TEST_VECTORS: Readonly<Record<SelfTestAlgorithm, Vector>> = {
  HS256: {
    secret: 'bg5k4oAEScc4909syH7MdhAkPA8kfg2tW5TmvYXMbdQ',
    signature: '1WuFrNb1UylkeTHRQKXEK3GkRNYBsVeCJz5VkM4IDBA',
  },
  RS256: {
    jwk: RSA,
    signature:
      'O5doS_kTTJ--u5J4PYyzktNc8ihsrPKvz8O-dsvZr26Zo7bVAH6NtYbC0fuFf05q_0NZy327RHEAciDhXV_y7X9G8I' +
      '3rQtKgvIxcbao13UVzwNzZycwvT9y5IHyQkPpk2VF6d-6y0aI3R-ADmlVV8y4hZpDvCpOHAveaLsrMfnnbfHz6Vcf8' +
      'LtjDEuRsnVH_PML2THdoDaNEypcUH8gAcmGdq2alhGu_XCEj0q5X-X1sTQKc0IGug-VHlavY09hu_raDHKzRqooyiF' +
      'JWbE2sUlfFkBKDal2BFZpy2R3r7IBWmC8bTvkL7DoeWBlkftOpECAutPY6g2AuJutk1QPLrg',
  },
  PS256: {
    jwk: RSA,
    signature:
      'B-rhG9pSAIJdWHSDhpMD3ydaMkvy0tmAlN7p3aPX8gLW0qnS_R3ZAU-UdumPcs_hR-jb2wOpw-giLh0XmKrxYIf68n' +
      'j6ie_P6cOiDDhPYD-ulyd2V8V3LTORYWRUPQloKw0uuoML1ZDmLK7yJJAXW3zek7X6osOVgTYMdlNg-RU1vIpyrvHR' +
      '62uB8Deu2i0-oqOMxbuzuNiTdBguSkqdH1R9USfS-cbKFS6BE_gSCIj-GmuIElXHLHUjRIs37imJVYxsjlA8qCqhei' +
      'dRZbYROYzwoa-EFf30n_wJqi8zatXHReZ2P88Vud_9LbtOd6kwLM8i9N-sGKzHZK2GlzpRKw',
  },
  ES256: {
    jwk: {
      kty: 'EC',
      crv: 'P-256',
      x: 'gHgpcCAHq56ftPHVv7bsd_LFEO9KbMBW4xPNfP3GyG8',
      y: '46qHRXQpEGvODuXtQGvkw1BHw2wggArhXAzRiYZQqiY',
    },
    signature: 'E1fhcur06rU7V5TcEmL3QASXrAR6XePt5inS2SZP_I_BrjX0uizr8qIVOg-h9SyuqiiMnuAjK3hWbylyZkrMNw',
  },
  ES384: {
    jwk: {
      kty: 'EC',
      crv: 'P-384',
      x: 'Xj3ZvzWc-kK221-XZOcHPw6sKFN7oVwDCO0K4iS4ItemI7vu9OOBjDgn1sWh2UeQ',
      y: 'E4_phHrJErvGWU2BHoCdLim3OBHHcoygiFG1s1UTjMtZ8k7VM-RmY5hatvblzAvu',
    },
    signature:
      'v_LwpO4eh7j2_PsyNZVQ_cEVaFVFvyoRYkLU2HNAcbMY-27eKVwriQ3-6IwLpvsLnep4SaVRRUQa1Tkvxjcx5-TT32' +
      'iLWUzOSQt2S6_xyjVEA-DC55f7Z8HUKsl4M4H7',
  },
  ES512: {
    jwk: {
      kty: 'EC',
      crv: 'P-521',
      x: 'AFuvFPJFb-k2dVfQFq8l-le6dqAnWGxpJ3SduOr8Bhs5-oCdnlrXfg0HFduXQmmAVNTemUjA4qdKVY4OkKFQAZwm',
      y: 'AIzS_czIwvVHaCSaYNEMBMkOyrzxaxDCgi3jdeEfJiND3EDnR6hSXnlrA44vl_I-dtyubPz6L8yrJr9-ir8D5Hg1',
    },
    signature:
      'AOkOwFaUep9eolNL3MdltwpTjn7WSjMINsbd0rgvIedFWt5iIvOX6QHzVnPSf0uv4v8CV8BiXtIPUuxjZhPQqjbIAF' +
      'pQTgGwOljrzyTWxzVcPa3UpsRxRIzgpPPsO1b7VOjx5nQdD9tgTRg3iroCgFC50du8MT0rk29AalmTPOiD99b7',
  },
  EdDSA: {
    jwk: { kty: 'OKP', crv: 'Ed25519', x: '-zxYRL0pmGpLqGfErnRuaN5bDQfChYYov8_phZ89ZPE' },
    signature: 'XlgX9BPOxBjR5Q4wpEma7h4_IXpHSISdJOM6CoFsOAgnQTfY5L1J0yAesKufkKnT0br8nFiDd5aqQVARpSCGDg',
  },
};

/**
 * The algorithms whose checks `key` must pass before a backend verifies with it: every algorithm
 * a key of its type may be used with (an RSA key serves RS* and PS*).
 */
export function selfTestsFor(key: Pick<ImportedKey, 'kty' | 'crv'> | JsonWebKey): SelfTestAlgorithm[] {
  switch (key.kty) {
    case 'oct':
      return ['HS256'];
    case 'RSA':
      return ['RS256', 'PS256'];
    case 'EC':
      return key.crv === 'P-384' ? ['ES384'] : key.crv === 'P-521' ? ['ES512'] : ['ES256'];
    default:
      return ['EdDSA'];
  }
}

/**
 * Runs one vector through a synchronous backend (node:crypto): imports the key, verifies the
 * signature (must be `true`) and a copy with one bit flipped (must be `false`). A check that
 * throws, or answers with a promise, fails.
 */
export function passesSelfTest(backend: CryptoBackend, alg: SelfTestAlgorithm): boolean {
  const vector = SELF_TEST_VECTORS[alg];
  try {
    const key = vector.secret
      ? backend.importSecret(decodeBase64url(vector.secret))
      : backend.importJwk(vector.jwk!);
    if (key instanceof Promise) return false;
    const signature = decodeBase64url(vector.signature);
    const corrupted = new Uint8Array(signature); // a copy (a Buffer's slice would share memory)
    corrupted[corrupted.length >> 1]! ^= 1;
    const good = backend.verify(alg as Algorithm, key, SELF_TEST_INPUT, signature);
    const bad = backend.verify(alg as Algorithm, key, SELF_TEST_INPUT, corrupted);
    return good === true && bad === false;
  } catch {
    return false; // a backend that throws on a vector cannot be trusted with that family
  }
}
