import { authErrorHandler, getAuth, jwtAuth } from '@tokengate/express';
import express from 'express';

const app = express();
app.use(
  jwtAuth({
    issuer: 'https://idp.example.com/',
    audience: 'api://orders',
    // Bearer is refused: each request sends `Authorization: DPoP <token>` and a fresh `DPoP` proof.
    // publicUrl (required unless `resource` is set): the URL clients call; the Host header is
    // never trusted for it. With several instances, add `replay: createRedisReplayStore({ url })`
    // from @tokengate/redis.
    dpop: { required: true, publicUrl: 'https://api.example.com' },
  }),
);
app.get('/orders', (req, res) => res.json({ sub: getAuth(req).subject, jkt: getAuth(req).jkt }));
app.use(authErrorHandler());
app.listen(3000);
