/**
 * Searching outputs for secrets: the needles (a token, its signature segment and signing input,
 * key material) and the texts an error or a hook event exposes to clients and loggers.
 */

import type { IncomingHttpHeaders, RequestListener } from 'node:http';
import { inspect } from 'node:util';
import request from 'supertest';
import { isAuthError } from '../../src/index.js';
import { type AttackCase, type AttackInput, expectationFor, headerLines, type Layer } from './attacks.js';
import type { AttackKit } from './kit.js';

const JWT_LIKE = /[A-Za-z0-9_\-+/=]{8,}\.[A-Za-z0-9_\-+/=]{8,}\.[A-Za-z0-9_\-+/=]{8,}/g;

/** Key material of a kit that must never appear in any output. */
export function keyNeedles(kit: AttackKit): string[] {
  const needles: string[] = [];
  if (kit.secret) needles.push(kit.secret);
  if (kit.publicKeyPem) {
    const body = kit.publicKeyPem.replace(/-----[^-]+-----/g, '');
    needles.push(body.replace(/\s/g, ''), ...body.split('\n').filter((line) => line.length >= 16));
  }
  const jwk = kit.publicJwk as Record<string, unknown> | undefined;
  for (const member of ['n', 'x', 'y']) {
    const value = jwk?.[member];
    if (typeof value === 'string') needles.push(value.slice(0, 32));
  }
  return needles;
}

/** The tokens an input carries, and their signature segments and signing inputs. */
export function tokenNeedles(input: AttackInput): string[] {
  const values = 'token' in input ? [input.token] : headerLines(input).map(([, v]) => v);
  const needles: string[] = [];
  for (const value of values) {
    const tokens = 'token' in input ? [value] : (value.match(JWT_LIKE) ?? []);
    for (const token of tokens) {
      if (token.length >= 16) needles.push(token.length > 4096 ? token.slice(0, 4096) : token);
      const last = token.lastIndexOf('.');
      const signature = token.slice(last + 1);
      if (last > 0 && signature.length >= 16) needles.push(signature);
      if (last > 16) needles.push(token.slice(0, last));
    }
  }
  return needles;
}

export function leaksIn(texts: readonly string[], needles: readonly string[]): string[] {
  const found: string[] = [];
  for (const needle of needles) {
    for (const text of texts) {
      if (text.includes(needle)) found.push(`${needle.slice(0, 24)}… found in: ${text.slice(0, 160)}`);
    }
  }
  return found;
}

/** Everything an error exposes to a logger or a client. */
export function describeError(error: unknown): string[] {
  if (!isAuthError(error)) return [inspect(error, { depth: 6 })];
  const cause = error.cause as { message?: unknown } | undefined;
  return [
    error.message,
    String(error.stack),
    JSON.stringify(error),
    JSON.stringify(error.toJSON()),
    ...Object.values(error.headers),
    typeof cause?.message === 'string' ? cause.message : '',
    inspect(error, { depth: 6, showHidden: true }),
  ];
}

/** A hook event as a logger would serialize it; `request` is the app's own request object and is left out. */
export function describeEvent(event: Record<string, unknown>): string {
  const { request: _request, ...rest } = event;
  return inspect(rest, { depth: 8, showHidden: true });
}

/** The attacks of `mode` that must be refused at `layer`. */
export function refusedAttacks(attacks: readonly AttackCase[], kit: AttackKit, layer: Layer): AttackCase[] {
  return attacks.filter((attack) => {
    const expected = expectationFor(attack, kit, layer);
    return expected !== null && !('accept' in expected);
  });
}

/**
 * Sends every refused attack to `listener` (`GET /protected`, supertest) and returns every leak
 * found in response bodies, response headers and the hook events collected in `events`, plus how
 * many requests were refused. Inputs with repeated header names (raw-socket cases) and headers
 * over Node's 16 KiB limit are skipped: they never reach the app.
 */
export async function httpLeaks(
  listener: RequestListener,
  kit: AttackKit,
  attacks: readonly AttackCase[],
  events: string[],
): Promise<{ problems: string[]; refused: number; needles: string[] }> {
  const problems: string[] = [];
  const needles: string[] = [];
  let refused = 0;
  for (const attack of refusedAttacks(attacks, kit, 'http')) {
    const input = attack.build(kit);
    const lines = headerLines(input);
    if (new Set(lines.map(([n]) => n.toLowerCase())).size !== lines.length) continue;
    if (lines.some(([, v]) => v.length > 12_000)) continue;
    events.length = 0;
    let call = request(listener).get('/protected');
    for (const [name, value] of lines) call = call.set(name, value);
    const response = await call;
    if (response.status >= 400) refused++;
    const texts = [response.text, ...headerTexts(response.headers as IncomingHttpHeaders)];
    const wanted = [...tokenNeedles(input), ...keyNeedles(kit)];
    needles.push(...wanted);
    for (const leak of leaksIn([...texts, ...events], wanted)) problems.push(`${attack.name}: ${leak}`);
  }
  return { problems, refused, needles };
}

function headerTexts(headers: IncomingHttpHeaders): string[] {
  return Object.values(headers)
    .flat()
    .filter((v): v is string => typeof v === 'string');
}
