import { jwtAuth } from '@tokengate/express';
import express from 'express';
import { z } from 'zod';

// 1. App-wide: every req.auth.claims is typed with your claims.
declare module '@tokengate/core' {
  interface Register {
    claims: { sub: string; tenant: string };
  }
}

// 2. Per middleware: a Standard Schema (zod, valibot, arktype…) validates and types the claims.
// `claims` is what the schema returns: z.object drops what it does not list, so list every claim
// you read from it. `payload` is always the verified token as sent.
const auth = jwtAuth({
  issuer: 'https://idp.example.com/',
  claims: z.object({ sub: z.string(), tenant: z.string(), plan: z.enum(['free', 'pro']) }),
});

const app = express();
app.get('/plan', auth, (req, res) => {
  const { claims, payload } = auth.getAuth(req); // claims: { sub; tenant; plan: 'free' | 'pro' }
  res.json({ plan: claims.plan, tenant: req.auth?.claims.tenant, issuedAt: payload.iat });
});
export default app;
