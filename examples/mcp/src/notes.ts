import type { IncomingMessage } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  type AuthContext,
  type AuthError,
  checkRequest,
  type Guard,
  requireScope,
  type TokengateOptions,
} from '@tokengate/core';
import { z } from 'zod';

/** Where the MCP server lives and who issues its tokens. */
export interface McpSettings {
  /** The authorization server's issuer URL (keys come from its discovery document). */
  issuer: string;
  /** The canonical URL of the MCP endpoint, e.g. `https://mcp.example.com/mcp`. */
  resource: string;
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

/** The tokengate options of the MCP endpoint: the same object goes to `jwtAuth` and `protectedResourceMetadata`. */
export function authOptions({ issuer, resource }: McpSettings) {
  return {
    issuer,
    resource,
    claims,
    typ: 'at+jwt',
    resourceName: 'Notes (tokengate MCP example)',
  } satisfies TokengateOptions<typeof claims>;
}

/** Each tool and the scopes a token needs to call it. */
export const TOOL_SCOPES: Readonly<Record<string, readonly string[]>> = {
  list_notes: ['notes:read'],
  add_note: ['notes:write'],
  whoami: [],
  delete_all_notes: ['notes:admin'],
};

const guards = new Map<string, Guard>(
  Object.entries(TOOL_SCOPES)
    .filter(([, scopes]) => scopes.length > 0)
    .map(([tool, scopes]) => [tool, requireScope(...scopes)]),
);

/**
 * The HTTP-level check of a JSON-RPC message (or batch): a `tools/call` of a tool whose scopes
 * the token lacks is a 403 `insufficient_scope` naming them (and the `resource_metadata` of
 * `jwtAuth`), so that MCP clients can step up (MCP authorization, "Scope Challenge Handling").
 * `request` is the framework's `req`, `ctx` or `c`. Returns the error to answer with.
 */
export function checkToolScopes(request: object, body: unknown): AuthError | undefined {
  for (const message of Array.isArray(body) ? body : [body]) {
    const call = message as { method?: unknown; params?: { name?: unknown } } | null;
    if (call?.method !== 'tools/call' || typeof call.params?.name !== 'string') continue;
    const guard = guards.get(call.params.name);
    const error = guard && checkRequest(guard, request);
    if (error) return error;
  }
  return undefined;
}

const notes: string[] = ['tokengate verifies the token before the MCP SDK sees the request'];

/** A new MCP server (one per request: stateless Streamable HTTP) acting for the verified token `auth`. */
export function createNotesServer(auth: AuthContext<NotesClaims>): McpServer {
  const server = new McpServer({ name: 'tokengate-notes', version: '1.0.0' });
  const text = (value: unknown) => ({ content: [{ type: 'text' as const, text: JSON.stringify(value) }] });
  server.registerTool('list_notes', { description: 'List the notes (scope notes:read).' }, () => text(notes));
  server.registerTool(
    'add_note',
    { description: 'Add a note (scope notes:write).', inputSchema: { text: z.string().max(200) } },
    ({ text: note }) => {
      notes.push(note);
      return text({ added: note, count: notes.length });
    },
  );
  server.registerTool('whoami', { description: 'Who the access token was issued to (typed claims).' }, () =>
    text({
      client: auth.claims.client_id,
      subject: auth.subject,
      scopes: [...auth.scopes].sort(),
      audience: auth.claims.aud,
    }),
  );
  server.registerTool('delete_all_notes', { description: 'Delete every note (scope notes:admin).' }, () => {
    notes.length = 0;
    return text({ deleted: true });
  });
  return server;
}

/** Reads a JSON request body from a Node request (for Koa, which has no body parser built in). */
export async function readJson(req: IncomingMessage, limit = 1_000_000): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}
