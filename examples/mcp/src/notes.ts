import { type BearerAuthOptions, McpServer } from '@modelcontextprotocol/server';
import { resourceMetadataUrl, type TokengateOptions } from '@tokengate/core';
import { type McpTokenVerifier, mcpTokenVerifier, toolScopes } from '@tokengate/mcp';
import { z } from 'zod';

/** Where the MCP server lives and who issues its tokens. */
export interface McpSettings {
  /** The authorization server's issuer URL (keys come from its discovery document). */
  issuer: string;
  /** The canonical URL of the MCP endpoint, e.g. `https://mcp.example.com/mcp`. */
  resource: string;
  /** More verifier options: a `revocation` store shared by every instance, key-refresh timing. */
  extra?: Pick<TokengateOptions, 'revocation' | 'cacheMaxAge' | 'cooldownDuration' | 'onKeySourceEvent'>;
}

/** The claims this server reads, validated and typed by tokengate (RFC 9068 access tokens). */
export const claims = z.object({
  client_id: z.string(),
  sub: z.string(),
  scope: z.string().optional(),
  aud: z.union([z.string(), z.array(z.string())]),
});
/** The typed claims of a verified access token. */
export type NotesClaims = z.infer<typeof claims>;

/** Each tool and the scopes a token needs to call it (a list: all of them). */
export const TOOL_SCOPES = {
  list_notes: 'notes:read',
  add_note: 'notes:write',
  whoami: [],
  delete_all_notes: ['notes:write', 'notes:admin'],
} as const;

/**
 * What every request needs (the gate's `requiredScopes`). The 401 names it (`scope="notes:read"`),
 * so a client's first token asks for no more; a tool that needs more answers 403 naming its
 * scopes, and the client steps up.
 */
export const REQUIRED_SCOPES = ['notes:read'];

/** The tokengate options: the same object for the verifier and the RFC 9728 metadata. */
export function authOptions({ issuer, resource, extra }: McpSettings) {
  return {
    ...extra,
    issuer,
    resource,
    claims,
    typ: 'at+jwt',
    resourceName: 'Notes (tokengate MCP example)',
    scopesSupported: ['notes:admin', 'notes:read', 'notes:write'],
  } satisfies TokengateOptions<typeof claims>;
}

/**
 * The options of the SDK's gate: tokengate's verifier (`aud` bound to the resource), what every
 * request needs, and the RFC 9728 metadata URL its 401s name (`resource_metadata`).
 */
export function gateOptions(settings: McpSettings) {
  return {
    verifier: mcpTokenVerifier(authOptions(settings)),
    requiredScopes: REQUIRED_SCOPES,
    resourceMetadataUrl: resourceMetadataUrl(settings.resource),
  } satisfies BearerAuthOptions;
}

const notes: string[] = ['tokengate verifies the token before the MCP SDK sees the request'];

/** The MCP server, built per request by the SDK's `createMcpHandler` (stateless), or per session. */
export function notesServer(verifier: McpTokenVerifier<NotesClaims>): () => McpServer {
  const scopeChallenge = toolScopes(TOOL_SCOPES); // 403 insufficient_scope + scope= before a tool runs
  const text = (value: unknown) => ({ content: [{ type: 'text' as const, text: JSON.stringify(value) }] });
  return () => {
    const server = new McpServer({ name: 'tokengate-notes', version: '1.0.0' });
    server.registerTool('list_notes', { description: 'List the notes.', scopeChallenge }, () => text(notes));
    server.registerTool(
      'add_note',
      { description: 'Add a note.', inputSchema: z.object({ text: z.string().max(200) }), scopeChallenge },
      ({ text: note }) => {
        notes.push(note);
        return text({ added: note, count: notes.length });
      },
    );
    server.registerTool('whoami', { description: 'Who the token was issued to.', scopeChallenge }, (ctx) => {
      const auth = verifier.authContext(ctx.http?.authInfo); // typed claims
      return text({
        client: auth?.claims.client_id,
        subject: auth?.subject,
        scopes: [...(auth?.scopes ?? [])],
      });
    });
    server.registerTool('delete_all_notes', { description: 'Delete every note.', scopeChallenge }, () => {
      notes.length = 0;
      return text({ deleted: true });
    });
    return server;
  };
}

/** How many notes there are (for the tests: a refused tool never ran). */
export function noteCount(): number {
  return notes.length;
}
