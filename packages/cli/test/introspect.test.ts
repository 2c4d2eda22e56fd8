import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeIntrospection,
  startFakeIntrospection,
} from '../../core/test/oauth/introspection/fake-server.js';
import { buildCli, tempDir, tokengate } from './helpers.js';

let as: FakeIntrospection;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let secretFile: string;
const AUDIENCE = 'https://api.example.test/';

beforeAll(async () => {
  buildCli();
  as = await startFakeIntrospection();
  tmp = await tempDir();
  secretFile = await tmp.write('secret.txt', 'the api secret\n');
  as.answers.set('opaque-cli-token', {
    active: true,
    sub: 'alice',
    client_id: 'app',
    scope: 'orders:read',
    aud: AUDIENCE,
    exp: Math.floor(Date.now() / 1000) + 600,
  });
}, 60_000);
afterAll(async () => {
  await as?.close();
  await tmp?.remove();
});

const base = () => ['--endpoint', as.url, '--client-id', 'orders-api', '--client-secret-file', secretFile];

describe('tokengate introspect', () => {
  it('prints the answer of an active token, having authenticated with the secret from the file', async () => {
    const run = await tokengate([
      'introspect',
      'opaque-cli-token',
      ...base(),
      '--audience',
      AUDIENCE,
      '--json',
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      ok: true,
      tokenType: 'opaque',
      subject: 'alice',
      clientId: 'app',
      scopes: ['orders:read'],
    });
    const sent = as.received.at(-1)!;
    expect(sent.form.get('token')).toBe('opaque-cli-token');
    expect(Buffer.from(sent.headers.authorization!.slice(6), 'base64').toString()).toBe(
      'orders-api:the+api+secret',
    );
    const human = await tokengate(['introspect', 'opaque-cli-token', ...base()]);
    expect(human.stdout).toMatch(/✔ accepted \(active: the authorization server vouches for it\)/);
    expect(human.stdout).toMatch(/scopes\s+orders:read/);
  });

  it('reads the token from stdin', async () => {
    const run = await tokengate(['introspect', '-', ...base(), '--json'], {
      input: 'Bearer opaque-cli-token\n',
    });
    expect(run.code).toBe(0);
  });

  it('exits 1 for an inactive token and for the wrong audience', async () => {
    const inactive = await tokengate(['introspect', 'unknown', ...base(), '--json']);
    expect(inactive.code).toBe(1);
    expect(JSON.parse(inactive.stdout)).toMatchObject({
      ok: false,
      code: 'invalid_token',
      reason: 'inactive',
    });
    const audience = await tokengate([
      'introspect',
      'opaque-cli-token',
      ...base(),
      '--audience',
      'https://other.test/',
    ]);
    expect(audience.code).toBe(1);
    expect(audience.stderr).toMatch(/✘ rejected: invalid_token \(audience\)/);
  });

  it('exits 1 naming the endpoint and the defect when the server fails, never printing the token', async () => {
    as.mode = 'error500';
    try {
      const run = await tokengate(['introspect', 'opaque-cli-token', ...base()]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`introspection at ${as.url} answered HTTP 500`);
      expect(run.stderr + run.stdout).not.toContain('opaque-cli-token');
    } finally {
      as.mode = 'ok';
    }
  });

  it('exits 2 for usage errors', async () => {
    expect((await tokengate(['introspect', 'x', '--endpoint', as.url])).stderr).toMatch(/needs --client-id/);
    const both = await tokengate(['introspect', 'x', ...base(), '--client-secret', 'y']);
    expect(both.code).toBe(2);
    const insecure = await tokengate([
      'introspect',
      'x',
      '--endpoint',
      'http://as.example.test/introspect',
      '--client-id',
      'a',
      '--client-secret',
      'b',
    ]);
    expect(insecure.code).toBe(2);
    expect(insecure.stderr).toMatch(/https/);
  });
});
