import { getAuth, isAuthError, jwtAuth } from '@tokengate/express';
import express from 'express';
import { unless } from 'express-unless';

const auth = jwtAuth({
  secret: process.env.JWT_SECRET, // at least 32 bytes (see below)
  // requireExp: false, // only while tokens without `exp` are still in use
});
const app = express();
app.use(Object.assign(auth, { unless }).unless({ path: ['/', '/health'] }));
app.get('/', (_req, res) => res.json({ hello: 'world' }));
app.get('/health', (_req, res) => res.json({ ok: true }));
app.get('/me', (req, res) => res.json({ sub: getAuth(req).claims.sub }));
app.use(
  /** @type {import('express').ErrorRequestHandler} */ (
    (err, _req, res, next) => {
      if (isAuthError(err)) res.status(err.status).set(err.headers).json({ error: 'invalid token' });
      else next(err);
    }
  ),
);
app.listen(3000);
