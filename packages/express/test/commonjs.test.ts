import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestIssuer } from '@tokengate/core/testing';
import { expect, it } from 'vitest';

it('works from a CommonJS app through require()', async () => {
  const idp = await createTestIssuer({ alg: 'HS256' });
  const token = await idp.sign({ sub: 'cjs-user', scope: 'read' });
  const script = fileURLToPath(new URL('./fixtures/commonjs-app.cjs', import.meta.url));
  const secret = Buffer.from(idp.secret!).toString('base64url');
  const out = execFileSync(process.execPath, ['--no-warnings', script, secret, token], { encoding: 'utf8' });
  expect(JSON.parse(out)).toEqual({ ok: 200, body: { sub: 'cjs-user' }, none: 401, subject: 'cjs-user' });
});
