import { createTestIssuer, type TestIssuer } from '@tokengate/core/testing';

/** The issuer and audience every case expects unless it says otherwise. */
export const ISS = 'https://issuer.test/';
export const AUD = 'api://conformance';
/** A second trusted issuer (secret function, rotation). */
export const ISS2 = 'https://tenant2.test/';

/** Keys and token factories shared by all cases (created once per run). */
export interface Fixtures {
  /** HS256 issuer: the default key source of the table. */
  readonly hs: TestIssuer;
  /** A second HS256 issuer (another secret), issuer {@link ISS2}. */
  readonly hs2: TestIssuer;
  /** RS256 issuer whose JWKS holds two keys (rotated, old one kept). */
  readonly rs: TestIssuer;
  /** A token signed by {@link Fixtures.rs}'s previous key (kid selection). */
  readonly oldKeyToken: string;
  readonly oldKid: string;
}

export async function createFixtures(): Promise<Fixtures> {
  const [hs, hs2, rs] = await Promise.all([
    createTestIssuer({ alg: 'HS256', issuer: ISS, audience: AUD }),
    createTestIssuer({ alg: 'HS256', issuer: ISS2, audience: AUD }),
    createTestIssuer({ alg: 'RS256', issuer: ISS, audience: AUD }),
  ]);
  const oldKid = rs.kid;
  const oldKeyToken = await rs.sign({ sub: 'old-key' }, { expiresIn: '1h' });
  await rs.rotate({ keep: true });
  return { hs, hs2, rs, oldKeyToken, oldKid };
}
