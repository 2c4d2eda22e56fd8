import { backchannelLogout, getAuth, jwtAuth } from '@tokengate/express';
import { createRedisReplayStore, createRedisRevocationStore } from '@tokengate/redis';
import express from 'express';

const issuer = 'https://idp.example.com/';
const revocation = createRedisRevocationStore({ url: process.env.REDIS_URL });
const replay = createRedisReplayStore({ url: process.env.REDIS_URL }); // logout token jtis
await revocation.ready();

const app = express();
// The client's backchannel_logout_uri at the provider: outside jwtAuth, it reads its own body.
app.post('/backchannel-logout', backchannelLogout({ issuer, audience: 'my-client-id', revocation, replay }));
app.use(jwtAuth({ issuer, audience: 'api://orders', revocation }));
app.get('/me', (req, res) => res.json({ sub: getAuth(req).subject, sid: getAuth(req).payload.sid }));
app.listen(3000);
