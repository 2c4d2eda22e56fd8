import { getAuth, jwtAuth } from '@tokengate/express';
import { createRedisKeyCache } from '@tokengate/redis';
import express from 'express';

// A new instance starts from the keys another one fetched: its first request fetches nothing.
const keyCache = createRedisKeyCache({ url: process.env.REDIS_URL });

const app = express();
app.use(jwtAuth({ issuer: 'https://idp.example.com/', audience: 'api://orders', keyCache }));
app.get('/me', (req, res) => res.json({ sub: getAuth(req).subject }));
app.listen(3000);
