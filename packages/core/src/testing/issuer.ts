import { randomUUID } from 'node:crypto';
import { base64url, type JWK, SignJWT } from 'jose';
import {
  generateSigningKey,
  randomKid,
  type SigningKey,
  signWithHeaderAlg,
  type TestAlgorithm,
} from './keys.js';
import { toSeconds } from './seconds.js';
import { type ListenOptions, startServer, type TestIssuerServer } from './server.js';

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

/** Deliberate defects for negative tests; see {@link SignOptions.defect}. */
export type TokenDefect = 'expired' | 'wrong-key' | 'tampered';

/** Options of {@link TestIssuer.sign}. */
export interface SignOptions {
  /**
   * Lifetime: seconds or a duration (`'30s'`, `'15m'`, `'2h'`, `'1d'`), counted from `iat`.
   * `null` leaves `exp` out.
   * @default '5m'
   */
  expiresIn?: number | string | null;
  /** `nbf`, as seconds or a duration counted from `iat` (negative numbers allowed); none by default. */
  notBefore?: number | string;
  /**
   * `iat`, in seconds since the epoch. `null` leaves `iat` out.
   * @default now
   */
  issuedAt?: number | null;
  /** `aud`; overrides the issuer's `audience` option. `null` leaves `aud` out. */
  audience?: string | string[] | null;
  /** `iss`; overrides the issuer's. `null` leaves `iss` out. */
  issuer?: string | null;
  /** `sub`. */
  subject?: string;
  /**
   * Header `kid`: `null` omits it.
   * @default the current signing key's kid
   */
  kid?: string | null;
  /**
   * Header `typ`: `null` omits it.
   * @default 'JWT'
   */
  typ?: string | null;
  /**
   * Header `alg` that differs from the key's, for negative tests. `'none'` gives an unsecured
   * token (empty signature); an `HS*` value on an asymmetric issuer gives an HMAC keyed by the
   * public key's PEM (the algorithm-confusion forgery); another algorithm of the key's family
   * (`RS384`, `PS256`, `ES384`…) is really used with the issuer's key; anything else keeps the
   * key's own signature and only the header lies.
   */
  alg?: string;
  /**
   * A deliberate defect:
   * - `'expired'`: `exp` one hour in the past (`iat` before it);
   * - `'wrong-key'`: signed by a fresh key of the same algorithm under the same `kid`;
   * - `'tampered'`: one payload character changed after signing, re-encoded canonically, so only
   *   the signature is wrong.
   */
  defect?: TokenDefect;
  /**
   * Extra protected-header parameters (for example `crit`, `b64`, `jku`), merged last. The token is
   * then signed by hand, so jose does not refuse headers that a verifier should refuse.
   */
  header?: Record<string, unknown>;
  /**
   * Binds the token to a DPoP key (RFC 9449 §6.1): `cnf.jkt` set to this thumbprint, or to a
   * DPoP client's (see `createDpopClient`).
   */
  dpop?: string | { readonly jkt: string };
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

interface SignDefaults {
  issuer: string | undefined;
  audience: string | string[] | undefined;
}

async function signToken(
  key: SigningKey,
  claims: Record<string, unknown>,
  options: SignOptions,
  defaults: SignDefaults,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  let iat: number | undefined = options.issuedAt === null ? undefined : (options.issuedAt ?? now);
  const lifetime = options.expiresIn === null ? undefined : toSeconds(options.expiresIn ?? '5m', 'expiresIn');
  const base = iat ?? now;
  let exp = lifetime === undefined ? undefined : base + lifetime;
  if (options.defect === 'expired') {
    exp = now - 3600;
    iat = exp - (lifetime ?? 300);
  }
  const payload: Record<string, unknown> = { jti: randomUUID(), ...claims };
  setOrDelete(
    payload,
    'iss',
    options.issuer === undefined ? (claims.iss ?? defaults.issuer) : options.issuer,
  );
  setOrDelete(
    payload,
    'aud',
    options.audience === undefined ? (claims.aud ?? defaults.audience) : options.audience,
  );
  if (options.subject !== undefined) payload.sub = options.subject;
  if (options.dpop !== undefined) {
    payload.cnf = { jkt: typeof options.dpop === 'string' ? options.dpop : options.dpop.jkt };
  }
  if (!('iat' in claims) || options.issuedAt !== undefined || options.defect === 'expired') {
    setOrDelete(payload, 'iat', iat);
  }
  if (!('exp' in claims) || options.expiresIn !== undefined || options.defect === 'expired') {
    setOrDelete(payload, 'exp', exp);
  }
  if (options.notBefore !== undefined) payload.nbf = base + toSeconds(options.notBefore, 'notBefore');

  const header: Record<string, unknown> = { alg: options.alg ?? key.alg };
  const kid = options.kid === undefined ? key.kid : options.kid;
  if (kid !== null) header.kid = kid;
  const typ = options.typ === undefined ? 'JWT' : options.typ;
  if (typ !== null) header.typ = typ;
  Object.assign(header, options.header);

  const signer = options.defect === 'wrong-key' ? await generateSigningKey(key.alg, key.kid) : key;
  let token: string;
  if (options.alg === undefined && options.header === undefined) {
    token = await new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(signer.signingKey);
  } else {
    const input = `${encodeJson(header)}.${encodeJson(payload)}`;
    token = `${input}.${base64url.encode(signWithHeaderAlg(input, String(header.alg), signer))}`;
  }
  return options.defect === 'tampered' ? tamper(token) : token;
}

function setOrDelete(target: Record<string, unknown>, name: string, value: unknown): void {
  if (value === undefined || value === null) delete target[name];
  else target[name] = value;
}

function encodeJson(value: unknown): string {
  return base64url.encode(JSON.stringify(value));
}

/** Changes one character of the payload (the `jti`, else `sub`, else adds a claim), keeping the signature. */
function tamper(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as Record<string, unknown>;
  const field =
    typeof claims.jti === 'string' && claims.jti
      ? 'jti'
      : typeof claims.sub === 'string' && claims.sub
        ? 'sub'
        : undefined;
  if (field) {
    const value = claims[field] as string;
    claims[field] = (value[0] === 'x' ? 'y' : 'x') + value.slice(1);
  } else {
    claims.tampered = true;
  }
  return `${header}.${encodeJson(claims)}.${signature}`;
}
