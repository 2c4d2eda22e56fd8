import { getAuth, jwtAuth } from '@tokengate/express';
import express from 'express';

const app = express();
// Browsers send the HttpOnly cookie; API clients send the header. The first source found wins.
app.use(
  jwtAuth({ issuer: 'https://idp.example.com/', tokenSources: [{ cookie: 'access_token' }, 'header'] }),
);
app.get('/profile', (req, res) => res.json({ sub: getAuth(req).subject }));
app.listen(3000);
