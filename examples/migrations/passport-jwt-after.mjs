import { getAuth, jwtAuth } from '@tokengate/express';
import express from 'express';

const auth = jwtAuth({
  jwksUri: 'https://idp.example.com/.well-known/jwks.json', // or `issuer` alone: OIDC discovery
  issuer: 'https://idp.example.com/',
  audience: 'api://orders',
  algorithms: ['RS256'],
  // requireExp: false, // only while tokens without `exp` are still in use
});
const app = express();
app.get('/', (_req, res) => res.json({ hello: 'world' }));
app.get('/me', auth, (req, res) => res.json({ sub: getAuth(req).claims.sub }));
app.listen(3000);
