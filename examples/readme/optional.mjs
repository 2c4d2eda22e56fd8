import { jwtAuth } from '@tokengate/express';
import express from 'express';

const app = express();
// No token: the request goes on without req.auth. A bad token is still a 401.
app.use(jwtAuth({ issuer: 'https://idp.example.com/', credentialsRequired: false }));
app.get('/feed', (req, res) => res.json({ personalized: req.auth !== undefined }));
app.listen(3000);
