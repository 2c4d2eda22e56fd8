/**
 * Every identity-provider preset through a real Express app: each provider's documented token
 * shapes and key documents (served on 127.0.0.1 at the provider's real URL paths, reached through
 * the `fetch` option), through the preset and through the same rules as plain options.
 */
import type { AuthContext, TokengateOptions } from '@tokengate/core';
import * as presets from '@tokengate/core/presets';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Provider, startProvider } from '../../core/test/presets/provider.js';
import * as table from '../../core/test/presets/providers.js';
import { authErrorHandler, jwtAuth } from '../src/index.js';

let idp: Provider;
const cases: table.ProviderCase[] = [];

beforeAll(async () => {
  idp = await startProvider();
  for (const load of [
    table.entraCases,
    table.googleCases,
    table.firebaseCases,
    table.supabaseCases,
    table.cognitoCases,
    table.keycloakCases,
    table.auth0Cases,
    table.oktaCases,
    table.clerkCases,
    table.githubActionsCases,
    table.kubernetesCases,
    table.workosCases,
  ])
    cases.push(...(await load(idp, presets)));
});
afterAll(() => idp.close());

function appOf(options: TokengateOptions) {
  const app = express();
  app.use(jwtAuth({ ...options, fetch: idp.fetch, onKeySourceEvent: false }));
  app.get('/me', (req, res) => {
    const auth = (req as unknown as { auth: AuthContext }).auth;
    const list = (set: ReadonlySet<string>) => [...set].sort().join(',') || '-';
    res.send(`200 ${auth.subject} ${list(auth.scopes)} ${list(auth.roles)}`);
  });
  app.use(authErrorHandler());
  return app;
}

async function answer(app: express.Express, token: string): Promise<string> {
  const res = await request(app).get('/me').set('authorization', `Bearer ${token}`);
  return res.status === 200 ? res.text : `${res.status} ${res.body.reason ?? res.body.code}`;
}

describe.each(['preset', 'plain'] as const)('identity providers through Express (%s options)', (how) => {
  it('answer each documented token shape as the provider’s own libraries do', async () => {
    const seen: string[] = [];
    for (const provider of cases) {
      const app = appOf(provider[how]);
      for (const token of provider.tokens) {
        seen.push(`${provider.name} / ${token.name}: ${await answer(app, token.token)}`);
      }
    }
    const expected = cases.flatMap((p) => p.tokens.map((t) => `${p.name} / ${t.name}: ${t.expected}`));
    expect(seen).toEqual(expected);
  });
});

it('a preset is a plain object: options written after the spread win', async () => {
  const preset = presets.auth0({ domain: 'acme.eu.auth0.com', audience: 'https://api.example.com' });
  expect(Object.getPrototypeOf(preset)).toBe(Object.prototype);
  expect({ ...preset, audience: 'other' }.audience).toBe('other');
  expect(JSON.parse(JSON.stringify(preset))).toMatchObject({ issuer: 'https://acme.eu.auth0.com/' });
});
