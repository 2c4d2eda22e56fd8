import type { Profile } from '../../config/profiles.js';
import type { CryptoBackend } from '../../crypto/index.js';
import { isAuthError } from '../../errors/auth-error.js';
import { KeySourceError } from '../../keys/remote/key-source-error.js';
import type { Algorithm } from '../../token/algorithms.js';
import { normalizeTyp } from '../../token/claims.js';
import { decodeJwt } from '../../token/jws.js';
import { type CheckedToken, checkSignature } from '../../token/verify-uncached.js';
import { type Answer, answerOf } from './answer.js';
import { JWT_ANSWER_TYPE } from './exchange.js';

/**
 * RFC 9701 answers: the introspection answer as a JWT signed by the authorization server, so a
 * proxy or a compromised network path between the two cannot forge `active: true`. The JWT must
 * be `typ: token-introspection+jwt`, signed by one of the issuer's keys (the profile's key source
 * and algorithms), name the issuer in `iss` and this resource server in `aud` (its client id or
 * one of its audiences), carry `iat`, and hold the
 * answer in `token_introspection` (§5). Any defect is the server's (a 503), never the token's.
 */

function defect(endpoint: string, what: string, cause?: unknown): KeySourceError {
  return new KeySourceError('wrong_shape', endpoint, `JWT introspection answer from ${endpoint} ${what}`, {
    cause,
  });
}

/** Verifies an RFC 9701 answer and returns the answer it carries. @throws KeySourceError, AuthError 503 */
export async function verifyJwtAnswer(
  text: string,
  contentType: string,
  endpoint: string,
  profile: Profile,
  clientId: string,
  backend: CryptoBackend,
): Promise<Answer> {
  if (contentType.split(';')[0]!.trim().toLowerCase() !== JWT_ANSWER_TYPE) {
    throw defect(
      endpoint,
      `has content-type ${JSON.stringify(contentType.slice(0, 60))}, not ${JWT_ANSWER_TYPE}`,
    );
  }
  let decoded: ReturnType<typeof decodeJwt>;
  try {
    decoded = decodeJwt(text.trim());
  } catch (cause) {
    throw defect(endpoint, 'is not a compact JWS', cause);
  }
  const { header, payload } = decoded;
  if (typeof header.typ !== 'string' || normalizeTyp(header.typ) !== 'token-introspection+jwt') {
    throw defect(endpoint, 'is not typ "token-introspection+jwt"');
  }
  if (!profile.algorithms.has(header.alg as Algorithm))
    throw defect(endpoint, `uses algorithm ${header.alg}`);
  let key: unknown;
  try {
    let keys = profile.keys.keysFor(header as CheckedToken['header'], payload);
    if (keys instanceof Promise) keys = await keys;
    const checked = { ...decoded, header: header as CheckedToken['header'], profile };
    key = checkSignature(checked, keys, backend);
    if (key instanceof Promise) key = await key;
  } catch (error) {
    // The issuer's keys are unavailable (a 503 already): keep it; a key that is not there is a defect.
    if (isAuthError(error) && error.status === 503) throw error;
    throw defect(endpoint, 'is signed by no key of the issuer', error);
  }
  if (key === undefined) throw defect(endpoint, 'has a signature no key of the issuer verifies');
  if (payload.iss !== profile.issuer) throw defect(endpoint, 'names another issuer in "iss"');
  // RFC 9701 §5: `aud` identifies this resource server: its client id, or (as oidc-provider
  // writes it) the audience its tokens carry, which names this resource as well.
  const audiences = profile.policy.audiences;
  const us = (value: unknown) =>
    value === clientId || (typeof value === 'string' && audiences?.has(value) === true);
  const aud = payload.aud;
  if (!(us(aud) || (Array.isArray(aud) && aud.some(us)))) {
    throw defect(endpoint, 'is not addressed to this client ("aud")');
  }
  if (typeof payload.iat !== 'number') throw defect(endpoint, 'has no "iat"');
  return answerOf(payload.token_introspection, endpoint);
}
