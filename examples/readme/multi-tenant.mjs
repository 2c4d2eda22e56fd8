import { authErrorHandler, getAuth, jwtAuth } from '@tokengate/express';
import express from 'express';

const app = express();
app.use(
  jwtAuth({
    audience: 'api://orders', // a default for every issuer
    issuers: [
      { issuer: 'https://tenant-a.example.com/' }, // keys by OIDC discovery
      { issuer: 'https://tenant-b.example.com/', rolesClaim: 'realm_access.roles' },
    ],
  }),
);
app.get('/whoami', (req, res) => {
  const { issuer, subject } = getAuth(req);
  res.json({ tenant: issuer, sub: subject });
});
app.use(authErrorHandler());
app.listen(3000);
