/**
 * RFC 9449's own examples, byte for byte (RFC 8792 line folding undone), through the proof checker
 * at the moment the RFC made them: the resource-request proof of §7.1 (Figure 13) is accepted
 * for its request and refused for any other; the token-request proof of §4.1 verifies but is
 * refused at a resource, having no `ath`. Both crypto backends.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { selectBackend } from '../../../src/crypto/index.js';
import { decodeJwt, isAuthError } from '../../../src/index.js';
import { sha256Base64url } from '../../../src/oauth/dpop/digest.js';
import { resolveDpop } from '../../../src/oauth/dpop/options.js';
import { createProofChecker } from '../../../src/oauth/dpop/proof.js';
import { jwkThumbprint, requiredMembers } from '../../../src/oauth/dpop/thumbprint.js';

const HEADER =
  'eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19';
/** §4.1, Figure 3 (decoded in Figure 4): a proof for the token request, iat 1562262616. */
const TOKEN_REQUEST_PROOF = `${HEADER}.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ.2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg`;
/** §7.1, Figure 13: a proof for `GET https://resource.example.org/protectedresource`, iat 1562262618. */
const RESOURCE_PROOF = `${HEADER}.eyJqdGkiOiJlMWozVl9iS2ljOC1MQUVCIiwiaHRtIjoiR0VUIiwiaHR1IjoiaHR0cHM6Ly9yZXNvdXJjZS5leGFtcGxlLm9yZy9wcm90ZWN0ZWRyZXNvdXJjZSIsImlhdCI6MTU2MjI2MjYxOCwiYXRoIjoiZlVIeU8ycjJaM0RaNTNFc05yV0JiMHhXWG9hTnk1OUlpS0NBcWtzbVFFbyJ9.2oW9RP35yRqzhrtNP86L-Ey71EOptxRimPPToA1plemAgR6pxHF8y6-yqyVnmcw6Fy1dqd-jfxSYoMxhAJpLjA`;
/** §7.1, Figure 12: the access token the resource proof's `ath` names. */
const ACCESS_TOKEN = 'Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU';
/** §6.1, Figure 7: the `cnf.jkt` of a token bound to the example key. */
const JKT = '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I';

function request(proof: string, method = 'GET', url = '/protectedresource', host = 'resource.example.org') {
  return {
    method,
    url,
    secure: true,
    header: (name: string) => (name === 'dpop' ? proof : name === 'host' ? host : undefined),
    raw: {},
  };
}

async function answer(work: Promise<void>): Promise<string> {
  try {
    await work;
    return 'accepted';
  } catch (error) {
    if (!isAuthError(error)) throw error;
    return `${error.code} ${error.reason ?? ''}`.trim();
  }
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(1562262618 * 1000);
});
afterEach(() => {
  vi.useRealTimers();
});

describe('RFC 9449 examples', () => {
  it('§6.1: the example key has the thumbprint the RFC gives; §7.1: the token has its ath', async () => {
    const { header } = decodeJwt(RESOURCE_PROOF);
    expect(await jwkThumbprint(requiredMembers(header.jwk as Record<string, unknown>)!)).toBe(JKT);
    expect(await sha256Base64url(ACCESS_TOKEN)).toBe('fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo');
  });

  describe.each(['node', 'webcrypto'] as const)('through the proof checker (%s)', (crypto) => {
    const checker = () => createProofChecker(resolveDpop({})!, selectBackend(crypto));

    it('§7.1: accepts the resource proof for its own request, once', async () => {
      const check = checker();
      expect(await answer(check.check(request(RESOURCE_PROOF), ACCESS_TOKEN, JKT))).toBe('accepted');
      expect(await answer(check.check(request(RESOURCE_PROOF), ACCESS_TOKEN, JKT))).toBe(
        'invalid_dpop_proof replayed',
      );
    });

    it('§7.1: refuses it for another method, URL, token or key binding', async () => {
      expect(await answer(checker().check(request(RESOURCE_PROOF, 'POST'), ACCESS_TOKEN, JKT))).toBe(
        'invalid_dpop_proof method',
      );
      expect(await answer(checker().check(request(RESOURCE_PROOF, 'GET', '/other'), ACCESS_TOKEN, JKT))).toBe(
        'invalid_dpop_proof url',
      );
      expect(
        await answer(
          checker().check(
            request(RESOURCE_PROOF, 'GET', '/protectedresource', 'api.example.org'),
            ACCESS_TOKEN,
            JKT,
          ),
        ),
      ).toBe('invalid_dpop_proof url');
      expect(await answer(checker().check(request(RESOURCE_PROOF), `${ACCESS_TOKEN}x`, JKT))).toBe(
        'invalid_dpop_proof ath',
      );
      expect(
        await answer(checker().check(request(RESOURCE_PROOF), ACCESS_TOKEN, `${JKT.slice(0, -1)}A`)),
      ).toBe('invalid_token dpop_binding');
    });

    it('§7.1: refuses it with one bit of its signature changed', async () => {
      const [input, signature] = [
        RESOURCE_PROOF.slice(0, RESOURCE_PROOF.lastIndexOf('.')),
        RESOURCE_PROOF.slice(RESOURCE_PROOF.lastIndexOf('.') + 1),
      ];
      const bytes = Buffer.from(signature, 'base64url');
      bytes[10]! ^= 1;
      const tampered = `${input}.${bytes.toString('base64url')}`;
      expect(await answer(checker().check(request(tampered), ACCESS_TOKEN, JKT))).toBe(
        'invalid_dpop_proof bad_signature',
      );
    });

    it('§7.1: refuses it once it is older than the accepted window', async () => {
      vi.setSystemTime((1562262618 + 301) * 1000);
      expect(await answer(checker().check(request(RESOURCE_PROOF), ACCESS_TOKEN, JKT))).toBe(
        'invalid_dpop_proof expired',
      );
    });

    it('§4.1: the token-request proof verifies, but has no ath for a resource', async () => {
      vi.setSystemTime(1562262616 * 1000);
      const tokenEndpoint = request(TOKEN_REQUEST_PROOF, 'POST', '/token', 'server.example.com');
      expect(await answer(checker().check(tokenEndpoint, ACCESS_TOKEN, JKT))).toBe('invalid_dpop_proof ath');
      // The ath check comes before the signature's: check the RFC's signature with the backend.
      const decoded = decodeJwt(TOKEN_REQUEST_PROOF);
      const backend = selectBackend(crypto);
      const key = await backend.importJwk(decoded.header.jwk as JsonWebKey);
      expect(await backend.verify('ES256', key, decoded.signingInput, decoded.signature)).toBe(true);
      const tampered = Uint8Array.from(decoded.signature);
      tampered[0]! ^= 1;
      expect(await backend.verify('ES256', key, decoded.signingInput, tampered)).toBe(false);
    });
  });
});
