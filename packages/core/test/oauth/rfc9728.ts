/**
 * RFC 9728 §2 (and the registry of §8.1): every Protected Resource Metadata member and its JSON
 * type. `validateResourceMetadata` returns the problems of a document (empty when it conforms).
 */
type Kind = 'string' | 'url' | 'https-url' | 'string[]' | 'url[]' | 'boolean' | 'bearer-methods';

export const RFC9728_MEMBERS: Readonly<Record<string, Kind>> = {
  resource: 'url',
  authorization_servers: 'url[]',
  jwks_uri: 'https-url',
  scopes_supported: 'string[]',
  bearer_methods_supported: 'bearer-methods',
  resource_signing_alg_values_supported: 'string[]',
  resource_name: 'string',
  resource_documentation: 'url',
  resource_policy_uri: 'url',
  resource_tos_uri: 'url',
  tls_client_certificate_bound_access_tokens: 'boolean',
  authorization_details_types_supported: 'string[]',
  dpop_signing_alg_values_supported: 'string[]',
  dpop_bound_access_tokens_required: 'boolean',
  signed_metadata: 'string',
};

function isUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

export function validateResourceMetadata(doc: unknown): string[] {
  const problems: string[] = [];
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return ['not a JSON object'];
  const record = doc as Record<string, unknown>;
  if (!('resource' in record)) problems.push('"resource" is REQUIRED');
  for (const [name, value] of Object.entries(record)) {
    const kind = RFC9728_MEMBERS[name];
    if (kind === undefined) {
      problems.push(`"${name}" is not an RFC 9728 member`);
      continue;
    }
    const ok =
      kind === 'string'
        ? typeof value === 'string' && value !== ''
        : kind === 'url'
          ? isUrl(value) && !(value as string).includes('#')
          : kind === 'https-url'
            ? isUrl(value) && (value as string).startsWith('https:')
            : kind === 'boolean'
              ? typeof value === 'boolean'
              : !Array.isArray(value)
                ? false
                : kind === 'string[]'
                  ? value.every((v) => typeof v === 'string' && v !== '')
                  : kind === 'url[]'
                    ? value.every(isUrl)
                    : value.every((v) => v === 'header' || v === 'body' || v === 'query');
    if (!ok) problems.push(`"${name}" must be ${kind}, got ${JSON.stringify(value)}`);
  }
  if (typeof record.resource === 'string') {
    const url = new URL(record.resource);
    if (url.search !== '' || url.hash !== '') problems.push('"resource" must have no query or fragment');
  }
  return problems;
}
