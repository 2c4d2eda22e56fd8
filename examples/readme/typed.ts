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
const auth = jwtAuth({
  issuer: 'https://idp.example.com/',
  claims: z.object({ sub: z.string(), plan: z.enum(['free', 'pro']) }),
});

const app = express();
app.get('/plan', auth, (req, res) => {
  const { claims } = auth.getAuth(req); // claims: { sub: string; plan: 'free' | 'pro' }
  res.json({ plan: claims.plan, tenant: req.auth?.claims.tenant });
});
export default app;
