import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createTestIssuer } from '@tokengate/core/testing';
import { jwtAuth, requireScope } from '@tokengate/express';
import express from 'express';

// A real local identity provider: OIDC discovery + JWKS on 127.0.0.1, real ES256 keys.
const idp = await createTestIssuer({ alg: 'ES256', audience: 'api://orders' });
const server = await idp.listen();

const app = express();
app.use(jwtAuth({ issuer: server.issuer, audience: 'api://orders' }));
app.get('/orders', requireScope('orders:read'), (_req, res) => res.json([]));
const api = app.listen(0, '127.0.0.1');
await once(api, 'listening');
const { port } = /** @type {import('node:net').AddressInfo} */ (api.address());
const get = (/** @type {string} */ token) =>
  fetch(`http://127.0.0.1:${port}/orders`, { headers: { authorization: `Bearer ${token}` } });

assert.equal((await get(await idp.sign({ sub: 'alice', scope: 'orders:read' }))).status, 200);
assert.equal((await get(await idp.sign({ sub: 'alice' }))).status, 403);
assert.equal((await get(await idp.sign({ scope: 'orders:read' }, { defect: 'expired' }))).status, 401);

server.faults.set('down'); // the identity provider goes down: keys already fetched keep working
assert.equal((await get(await idp.sign({ scope: 'orders:read' }))).status, 200);

api.close();
await server.close();
