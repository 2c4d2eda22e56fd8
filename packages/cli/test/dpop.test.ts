import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { authenticate, createVerifier, isAuthError } from '@tokengate/core';
import { nodeRequest } from '@tokengate/core/adapter';
import { createTestIssuer } from '@tokengate/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, tempDir, tokengate } from './helpers.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let server: Server;
let base: string;
let idp: Awaited<ReturnType<typeof createTestIssuer>>;

beforeAll(async () => {
  buildCli();
  tmp = await tempDir();
  idp = await createTestIssuer({ alg: 'ES256', audience: 'api://orders' });
  let verifier: ReturnType<typeof createVerifier> | undefined;
  server = createServer((req, res) => {
    if (!verifier) throw new Error('the verifier is made once the port is known');
    authenticate(verifier, nodeRequest(req, req)).then(
      ({ auth }) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jkt: auth?.jkt })),
      (error) => {
        const status = isAuthError(error) ? error.status : 500;
        res
          .writeHead(status, { 'content-type': 'application/json' })
          .end(JSON.stringify(isAuthError(error) ? error.toJSON() : {}));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  verifier = createVerifier({
    publicKey: idp.publicKeyPem!,
    audience: 'api://orders',
    dpop: { required: true, publicUrl: base },
  });
}, 60_000);
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await tmp?.remove();
});

describe('tokengate dpop', () => {
  it('makes a proof and a curl command that a DPoP-required API accepts, once', async () => {
    const keygen = await tokengate(['keygen', '--alg', 'ES256', '--json']);
    const keyFile = await tmp.write('dpop.jwk.json', JSON.parse(keygen.stdout).privateJwk);
    const first = await tokengate(['dpop', '--key', keyFile, '--url', `${base}/orders`, '--json']);
    expect(first.code).toBe(0);
    const { jkt, proof, htm, htu } = JSON.parse(first.stdout);
    expect({ htm, htu }).toEqual({ htm: 'GET', htu: `${base}/orders` });
    expect(proof.split('.')).toHaveLength(3);
    const token = await idp.sign({ sub: 'alice' }, { dpop: jkt });
    const made = await tokengate(['dpop', '--key', keyFile, '--url', `${base}/orders?x=1`, '--token', token]);
    expect(made.code).toBe(0);
    const command = made.stdout.trim();
    expect(command).toMatch(
      /^curl -H 'Authorization: DPoP [^']+' -H 'DPoP: [^']+' 'http:\/\/127\.0\.0\.1:\d+\/orders\?x=1'$/,
    );
    // The real curl runs the printed command (a child process: the server lives in this one).
    const run = async () =>
      JSON.parse((await promisify(execFile)('sh', ['-c', `${command} -s`], { timeout: 10_000 })).stdout);
    expect(await run()).toEqual({ jkt });
    expect(await run()).toMatchObject({ code: 'invalid_dpop_proof', reason: 'replayed' });
  });

  it('publishes only the public members RFC 7638 names in the proof jwk, whatever else the key file holds', async () => {
    for (const alg of ['ES256', 'EdDSA', 'RS256']) {
      const keygen = JSON.parse((await tokengate(['keygen', '--alg', alg, '--json'])).stdout);
      const file = {
        ...keygen.privateJwk,
        kid: 'k1',
        use: 'sig',
        x_private_note: 'do not publish',
        x5c: ['MII'],
      };
      const keyFile = await tmp.write(`noted-${alg}.jwk.json`, file);
      const made = await tokengate(['dpop', '--key', keyFile, '--url', `${base}/orders`, '--json']);
      expect(made.code, made.stderr).toBe(0);
      const { proof, jkt } = JSON.parse(made.stdout);
      const header = JSON.parse(Buffer.from(proof.split('.')[0], 'base64url').toString());
      const expected = { EC: ['crv', 'kty', 'x', 'y'], OKP: ['crv', 'kty', 'x'], RSA: ['e', 'kty', 'n'] };
      expect(Object.keys(header.jwk).sort()).toEqual(expected[file.kty as keyof typeof expected]);
      expect(JSON.stringify(header)).not.toContain('do not publish');
      // The thumbprint printed is the one a token must be bound to, and the API accepts the proof.
      const token = await idp.sign({ sub: 'alice' }, { dpop: jkt });
      const again = await tokengate(['dpop', '--key', keyFile, '--url', `${base}/orders`, '--token', token]);
      const response = JSON.parse(
        (await promisify(execFile)('sh', ['-c', `${again.stdout.trim()} -s`], { timeout: 10_000 })).stdout,
      );
      expect(response).toEqual({ jkt });
    }
  });

  it('refuses public, symmetric and missing keys with a usage error', async () => {
    const keygen = JSON.parse((await tokengate(['keygen', '--alg', 'HS256', '--json'])).stdout);
    const oct = await tmp.write('oct.json', keygen.privateJwk);
    const refused = await tokengate(['dpop', '--key', oct, '--url', `${base}/x`]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/asymmetric/);
    expect((await tokengate(['dpop', '--url', `${base}/x`])).code).toBe(2);
    expect((await tokengate(['dpop', '--key', oct, '--url', 'not a url'])).code).toBe(2);
  });
});
