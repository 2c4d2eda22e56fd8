import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

/** Options of {@link createDpopClient}. */
export interface DpopClientOptions {
  /** Proof algorithm. @default 'ES256' */
  alg?: 'ES256' | 'ES384' | 'ES512' | 'EdDSA' | 'RS256' | 'PS256';
}

/** What a proof is made for, and deliberate defects for negative tests. */
export interface DpopProofInput {
  /** HTTP method (`htm`). */
  method: string;
  /** Request URL (`htu`; query and fragment are dropped as RFC 9449 §4.2 says). */
  url: string | URL;
  /** The access token, hashed into `ath`; omit for a proof without `ath`. */
  accessToken?: string;
  /** The server nonce (RFC 9449 §8). */
  nonce?: string;
  /** `iat`, in seconds since the epoch. @default now */
  issuedAt?: number;
  /** `jti`. @default a random UUID */
  jti?: string;
  /** Claims merged last (set one to `undefined` to leave it out). */
  claims?: Record<string, unknown>;
  /** Protected-header parameters merged last (`typ`, `jwk`…). */
  header?: Record<string, unknown>;
}

/** A DPoP client key pair that makes proofs (RFC 9449 §4.2). */
export interface DpopClient {
  /** The proof algorithm. */
  readonly alg: string;
  /** The public key, as put in each proof's `jwk` header. */
  readonly publicJwk: JWK;
  /** The RFC 7638 thumbprint of the key: the `cnf.jkt` of tokens bound to it. */
  readonly jkt: string;
  /** Signs a proof for one request. */
  proof(input: DpopProofInput): Promise<string>;
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Buffer.from(digest).toString('base64url');
}

/**
 * Creates a DPoP client key pair for tests: sign tokens bound to it with
 * `issuer.sign(claims, { dpop: client })` (or `cnf: { jkt: client.jkt }`), and send
 * `Authorization: DPoP <token>` with `DPoP: await client.proof({ method, url, accessToken })`.
 *
 * @example
 * ```ts
 * const client = await createDpopClient();
 * const token = await idp.sign({ sub: 'alice' }, { dpop: client });
 * const proof = await client.proof({ method: 'GET', url: 'http://127.0.0.1:3000/orders', accessToken: token });
 * ```
 */
export async function createDpopClient(options: DpopClientOptions = {}): Promise<DpopClient> {
  const alg = options.alg ?? 'ES256';
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const jkt = await calculateJwkThumbprint(publicJwk, 'sha256');
  return {
    alg,
    publicJwk,
    jkt,
    async proof(input) {
      const url = new URL(input.url);
      const claims: Record<string, unknown> = {
        jti: input.jti ?? crypto.randomUUID(),
        htm: input.method,
        htu: `${url.origin}${url.pathname}`,
        iat: input.issuedAt ?? Math.floor(Date.now() / 1000),
      };
      if (input.accessToken !== undefined) claims.ath = await sha256(input.accessToken);
      if (input.nonce !== undefined) claims.nonce = input.nonce;
      Object.assign(claims, input.claims);
      for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
      const header = { alg, typ: 'dpop+jwt', jwk: publicJwk, ...input.header };
      for (const [name, value] of Object.entries(header))
        if (value === undefined) delete (header as Record<string, unknown>)[name];
      return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(privateKey);
    },
  };
}
