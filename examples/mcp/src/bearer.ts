import {
  type AuthInfo,
  type BearerAuthOptions,
  bearerAuthChallengeResponse,
  verifyBearerToken,
} from '@modelcontextprotocol/server';

/**
 * The SDK's gate where a framework package has none (Fastify, Koa): the `AuthInfo` of a good
 * token, or the SDK's own answer for a bad one (401/403 with the challenge, 500 `server_error`).
 */
export async function checkBearer(
  authorization: string | undefined,
  gate: BearerAuthOptions,
): Promise<AuthInfo | Response> {
  try {
    return await verifyBearerToken(authorization, gate);
  } catch (error) {
    return bearerAuthChallengeResponse(error, gate);
  }
}
