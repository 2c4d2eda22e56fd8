import { getAuth, jwtAuth } from '@tokengate/express';
import express from 'express';

export const usage = new Map(); // subject → requests; use your metrics system in production

const app = express();
app.use(
  jwtAuth({
    issuer: 'https://idp.example.com/',
    onAuthenticated: ({ auth }) => usage.set(auth.subject, (usage.get(auth.subject) ?? 0) + 1),
  }),
);
app.get('/report', (req, res) => res.json({ calls: usage.get(getAuth(req).subject) }));
app.listen(3000);
