import type { JWK } from 'jose';
import { generateSigningKey, randomKid, type SigningKey, type TestAlgorithm } from './keys.js';
import { type ListenOptions, startServer, type TestIssuerServer } from './server.js';
import { type SignOptions, signToken } from './sign.js';

/**
 * The test issuer: its keys (rotated on demand), its token factory (`sign.ts`) and, once it
 * listens, its metadata and JWKS server (`server.ts`).
 */

/** Options of {@link createTestIssuer}. */
export interface TestIssuerOptions {
  /**
   * Signature algorithm of the issuer's key.
   * @default 'RS256'
   */
  alg?: TestAlgorithm;
  /**
   * `kid` of the first key.
   * @default a random `'<alg>-<8 hex>'`, e.g. `'rs256-3f9a1c0d'`
   */
  kid?: string;
  /**
   * The `iss` the issuer puts in tokens and announces in its metadata. When omitted, it is the
   * URL of the server once {@link TestIssuer.listen} has been called (and no `iss` before that).
   */
  issuer?: string;
  /** Default `aud` of {@link TestIssuer.sign}; none when omitted. */
  audience?: string | string[];
}

/**
 * An in-process identity provider for tests: a key pair, a token factory, and (after
 * {@link TestIssuer.listen}) an HTTP server with OIDC/RFC 8414 metadata and a JWKS.
 */
export interface TestIssuer {
  /** Signature algorithm of the issuer's keys. */
  readonly alg: TestAlgorithm;
  /** `kid` of the current signing key (changes on {@link TestIssuer.rotate}). */
  readonly kid: string;
  /** The issuer: the `issuer` option, else the URL of the last server started, else undefined. */
  readonly issuer: string | undefined;
  /**
   * The published JSON Web Key Set: public keys only, each with `kid` and `use: 'sig'` and
   * without `alg` (as many real identity providers publish them). Empty for HS256: the secret is
   * {@link TestIssuer.secret}. A fresh copy on each read.
   */
  readonly jwks: { keys: JWK[] };
  /** HS256 only: the current shared secret (32 random bytes). */
  readonly secret: Uint8Array | undefined;
  /** Asymmetric algorithms only: the current public key as SPKI PEM. */
  readonly publicKeyPem: string | undefined;
  /** Asymmetric algorithms only: the current public key as a JWK (as published). */
  readonly publicJwk: JWK | undefined;
  /**
   * Signs a JWT. Defaults: `iat` now, `exp` `iat + 5 min`, `iss` the issuer, `aud` the issuer's
   * `audience`, a random `jti`, header `{ alg, kid, typ: 'JWT' }`. `claims` are merged over these
   * defaults; the options win over `claims`.
   */
  sign(claims?: Record<string, unknown>, options?: SignOptions): Promise<string>;
  /**
   * Starts an HTTP server on 127.0.0.1 serving `/.well-known/openid-configuration`,
   * `/.well-known/oauth-authorization-server` and `/jwks`. Without an `issuer` option, the issuer
   * becomes the server's URL, so tokens signed afterwards carry it as `iss`.
   * One server at a time; close it before listening again.
   */
  listen(options?: ListenOptions): Promise<TestIssuerServer>;
  /**
   * Switches to a fresh signing key under a new random kid. With `keep: true` (the default)
   * the old public key stays in the JWKS, as during a real rotation's overlap; `keep: false`
   * withdraws it (for HS256 the old secret is simply dropped).
   */
  rotate(options?: { keep?: boolean; kid?: string }): Promise<{ kid: string }>;
}

const TEST_ALGORITHMS: readonly TestAlgorithm[] = ['RS256', 'ES256', 'EdDSA', 'HS256'];

/**
 * Creates a test issuer: keys, a token factory and an optional local identity-provider server,
 * so tests exercise real signatures and real HTTP key fetching. Asynchronous because key
 * generation is.
 *
 * @example
 * ```ts
 * import { createTestIssuer } from '@tokengate/core/testing';
 *
 * const idp = await createTestIssuer({ alg: 'ES256', audience: 'api://orders' });
 * const server = await idp.listen();            // idp.issuer === server.url now
 * const token = await idp.sign({ sub: 'alice', scope: 'orders:read' });
 * const expired = await idp.sign({ sub: 'alice' }, { defect: 'expired' });
 * server.faults.set('down');                    // simulate an outage of the JWKS endpoint
 * await server.close();
 * ```
 */
export async function createTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const alg = options.alg ?? 'RS256';
  if (!TEST_ALGORITHMS.includes(alg)) {
    throw new TypeError(
      `createTestIssuer({ alg }) must be one of ${TEST_ALGORITHMS.join(', ')} (got ${alg})`,
    );
  }
  let current = await generateSigningKey(alg, options.kid ?? randomKid(alg));
  /** Keys whose public half is published, newest first. */
  let published: SigningKey[] = [current];
  let server: TestIssuerServer | undefined;
  let lastServerIssuer: string | undefined;

  const issuerValue = (): string | undefined => options.issuer ?? lastServerIssuer;

  const issuer: TestIssuer = {
    alg,
    get kid() {
      return current.kid;
    },
    get issuer() {
      return issuerValue();
    },
    get jwks() {
      return { keys: published.flatMap((key) => (key.publicJwk ? [{ ...key.publicJwk }] : [])) };
    },
    get secret() {
      return current.secret;
    },
    get publicKeyPem() {
      return current.publicKeyPem;
    },
    get publicJwk() {
      return current.publicJwk && { ...current.publicJwk };
    },
    async sign(claims = {}, signOptions = {}) {
      return signToken(current, claims, signOptions, {
        issuer: issuerValue(),
        audience: options.audience,
      });
    },
    async listen(listenOptions) {
      if (server) throw new Error(`test issuer is already listening on ${server.url}; close() it first`);
      const started = await startServer(
        {
          alg,
          get jwks() {
            return issuer.jwks;
          },
          configuredIssuer: options.issuer,
        },
        listenOptions,
      );
      server = started;
      lastServerIssuer = started.issuer;
      const close = started.close;
      return Object.defineProperty(started, 'close', {
        value: async () => {
          await close();
          if (server === started) server = undefined;
        },
      });
    },
    async rotate(rotateOptions = {}) {
      const next = await generateSigningKey(alg, rotateOptions.kid ?? randomKid(alg));
      published = rotateOptions.keep === false ? [next] : [next, ...published];
      current = next;
      return { kid: next.kid };
    },
  };
  return issuer;
}
