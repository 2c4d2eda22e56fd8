import { authErrorHandler, getAuth, jwtAuth, requireScope } from '@tokengate/express';
import express from 'express';

const app = express();
app.use(
  jwtAuth({
    issuer: 'https://idp.example.com/',
    // Tokens must be issued for this API (`aud`), JWTs and introspection answers alike.
    resource: 'https://api.example.com/',
    introspection: {
      // This API's own client at the authorization server (endpoint: from discovery).
      clientId: 'orders-api',
      clientSecret: process.env.INTROSPECTION_SECRET,
      // A token revoked at the server keeps working here for at most this long.
      cacheMaxAge: '30s',
    },
  }),
);
app.get('/orders', requireScope('orders:read'), (req, res) => {
  const auth = getAuth(req);
  res.json({ tokenType: auth.tokenType, client: auth.payload.client_id, scopes: [...auth.scopes] });
});
app.use(authErrorHandler());
app.listen(3000);
