import { getAuth, jwtAuth } from '@tokengate/express';
import express from 'express';

const app = express();
app.use(jwtAuth({ secret: process.env.JWT_SECRET, audience: 'api://orders' }));
app.get('/me', (req, res) => res.json(getAuth(req).claims));
app.listen(3000);
