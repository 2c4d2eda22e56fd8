// @tokengate/mcp: tokengate for MCP servers on the MCP TypeScript SDK v2 (`@modelcontextprotocol/server`).

export { type McpSessionWatch, type McpSessionWatchOptions, watchMcpSession } from './session.js';
export { type ToolScopes, toolScopes } from './tool-scopes.js';
export { type McpTokenVerifier, type McpTokenVerifierOptions, mcpTokenVerifier } from './verifier.js';
