import { getAuth, jwtAuth } from '@tokengate/express';
import { createRedisRevocationStore } from '@tokengate/redis';
import express from 'express';

const revocation = createRedisRevocationStore({ url: process.env.REDIS_URL });
await revocation.ready(); // connected, subscribed, revocation list loaded

const app = express();
app.use(jwtAuth({ issuer: 'https://idp.example.com/', revocation }));
app.get('/me', (req, res) => res.json({ sub: getAuth(req).subject }));
app.post('/logout', async (req, res) => {
  const { jti, exp } = getAuth(req).payload;
  if (jti && exp) await revocation.revoke(jti, exp); // this token, on every instance
  res.sendStatus(204);
});
app.listen(3000);
