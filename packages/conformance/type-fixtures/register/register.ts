/**
 * An app-wide `Register` declaration must type the context in every adapter. This file is its
 * own TypeScript program (the augmentation would otherwise leak into every other test); it is
 * compiled by test/register-types.test.ts and must compile without errors.
 */
import { getAuth as expressGetAuth } from '@tokengate/express';
import {
  getAuth as fastifyGetAuth,
  requireScope as fastifyRequireScope,
  tokengate,
} from '@tokengate/fastify';
import { getAuth as honoGetAuth, jwtAuth as honoJwtAuth } from '@tokengate/hono';
import { getAuth as koaGetAuth } from '@tokengate/koa';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';

declare module '@tokengate/core' {
  interface Register {
    claims: { sub: string; tenant: string; plan: 'free' | 'pro' };
  }
}

new Koa().use((ctx) => {
  const tenant: string | undefined = ctx.state.auth?.claims.tenant;
  const plan: 'free' | 'pro' = koaGetAuth(ctx).claims.plan;
  const sub: string = koaGetAuth(ctx).claims.sub;
  // @ts-expect-error: not a registered claim
  ctx.state.auth?.claims.tenat;
  ctx.body = { tenant, plan, sub };
});

express().get('/', (req, res) => {
  const tenant: string | undefined = req.auth?.claims.tenant;
  // @ts-expect-error: not a registered claim
  expressGetAuth(req).claims.plna;
  res.json({ tenant });
});

new Hono().use(honoJwtAuth({ secret: 'x'.repeat(32) })).get('/', (c) => {
  const tenant: string = c.var.auth.claims.tenant;
  const plan: 'free' | 'pro' = honoGetAuth(c).claims.plan;
  // @ts-expect-error: not a registered claim
  c.get('auth').claims.tenat;
  return c.json({ tenant, plan });
});

const fastify = Fastify();
fastify.register(tokengate, { secret: 'x'.repeat(32) });
fastify.get('/', { preHandler: fastifyRequireScope('orders:read') }, async (request) => {
  const tenant: string | undefined = request.auth?.claims.tenant;
  const plan: 'free' | 'pro' = fastifyGetAuth(request).claims.plan;
  // @ts-expect-error: not a registered claim
  request.auth?.claims.tenat;
  return { tenant, plan };
});
