import express from 'express';
import { expressjwt } from 'express-jwt';

const app = express();
app.use(
  expressjwt({ secret: process.env.JWT_SECRET, algorithms: ['HS256'] }).unless({ path: ['/', '/health'] }),
);
app.get('/', (_req, res) => res.json({ hello: 'world' }));
app.get('/health', (_req, res) => res.json({ ok: true }));
app.get('/me', (req, res) => res.json({ sub: req.auth.sub }));
app.use((err, _req, res, next) => {
  if (err.name === 'UnauthorizedError') res.status(401).json({ error: 'invalid token' });
  else next(err);
});
app.listen(3000);
