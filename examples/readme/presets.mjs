import { entra } from '@tokengate/core/presets';
import { authErrorHandler, getAuth, jwtAuth, requireScope } from '@tokengate/express';
import express from 'express';

const app = express();
// Any Entra ID tenant, v1 and v2 tokens, each token's issuer bound to its own `tid`; ID tokens
// and other apps' tokens are 401s. A preset is plain options: spread it, add or override after.
app.use(
  jwtAuth({
    ...entra({ tenant: 'organizations', audience: '6e74172b-be56-4843-9ff4-e66a39bb12e3' }),
    realm: 'orders',
  }),
);
app.get('/orders', requireScope('Orders.Read'), (req, res) => {
  const { subject, payload } = getAuth(req);
  res.json({ sub: subject, tenant: payload.tid });
});
app.use(authErrorHandler());
app.listen(3000);
