import { authenticate, createVerifier, isAuthError } from '@tokengate/core';

const verifier = createVerifier({ issuer: 'https://idp.example.com/', audience: 'api://orders' });

/** A Fetch API request in, a response out: Bun, Deno, Workers, or any Node server. */
export async function handle(/** @type {Request} */ request) {
  try {
    const { auth } = await authenticate(verifier, {
      method: request.method,
      header: (name) => request.headers.get(name) ?? undefined,
      raw: request,
    });
    return Response.json({ user: auth?.subject, scopes: [...(auth?.scopes ?? [])] });
  } catch (error) {
    if (!isAuthError(error)) throw error; // a bug, not the client's fault
    return Response.json(error.toJSON(), { status: error.status, headers: error.headers });
  }
}
