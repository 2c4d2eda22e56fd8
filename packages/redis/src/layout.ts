import type { RevocationEntry } from './mirror.js';

/**
 * Where the revocation store keeps its data in Redis. One hash tag around the prefix puts every
 * key and the channel in one Redis Cluster slot, so each script touches one slot and sharded
 * pub/sub runs on the master that holds the keys.
 */
export interface RevocationLayout {
  /** The pub/sub channel, `{<prefix>}revocations`. */
  readonly channel: string;
  /** `SCAN` `MATCH` pattern of every key of the layout. */
  readonly pattern: string;
  /** The key of an entry: `{<prefix>}jti:<jti>`, `{<prefix>}sub:<sub>` or `{<prefix>}sid:<sid>`. */
  keyOf(entry: Pick<RevocationEntry, 'kind' | 'id'>): string;
  /** The entry a key and its value hold; `undefined` when they are not one. */
  parse(key: string, value: string): RevocationEntry | undefined;
}

/** The layout for `prefix` (which contains no `{` or `}`). */
export function revocationLayout(prefix: string): RevocationLayout {
  const tag = `{${prefix}}`;
  return {
    channel: `${tag}revocations`,
    pattern: `${escapeGlob(tag)}*`,
    keyOf: (entry) => `${tag}${entry.kind}:${entry.id}`,
    parse(key, raw) {
      if (!key.startsWith(tag)) return undefined;
      const rest = key.slice(tag.length);
      const kind = rest.startsWith('jti:')
        ? 'jti'
        : rest.startsWith('sub:')
          ? 'sub'
          : rest.startsWith('sid:')
            ? 'sid'
            : undefined;
      const value = Number(raw);
      return kind && Number.isFinite(value) ? { kind, id: rest.slice(4), value } : undefined;
    },
  };
}

/**
 * Sets the entry unless a later one is stored, with its expiry, then announces it, atomically.
 * KEYS[1] entry key; ARGV: value, expire-at in ms ('' = never), channel, message, publish
 * command (`SPUBLISH` on Redis Cluster, where the channel shares the key's hash slot; else
 * `PUBLISH`). Returns 1 when the entry was stored, 0 when a later one already was.
 */
export const REVOKE_SCRIPT = `
local current = tonumber(redis.call('GET', KEYS[1]))
local stored = 0
if current == nil or current < tonumber(ARGV[1]) then
  if ARGV[2] == '' then
    redis.call('SET', KEYS[1], ARGV[1])
  else
    redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
  end
  stored = 1
end
redis.call(ARGV[5], ARGV[3], ARGV[4])
return stored
`;

/**
 * One `SCAN` step with each key's value, run on the master that holds the keys: KEYS[1] is any
 * key of their hash slot and only routes the script (on Redis Cluster, a `SCAN` sent on its own
 * would walk whichever node it reached). ARGV: cursor, `MATCH` pattern, `COUNT`.
 * Returns `[next cursor, key, value, key, value, …]`.
 */
export const LOAD_SCRIPT = `
local reply = redis.call('SCAN', ARGV[1], 'MATCH', ARGV[2], 'COUNT', ARGV[3], 'TYPE', 'string')
local out = { reply[1] }
for _, key in ipairs(reply[2]) do
  local value = redis.call('GET', key)
  if value then
    out[#out + 1] = key
    out[#out + 1] = value
  end
end
return out
`;

/** Escapes glob characters for a SCAN `MATCH` pattern. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
