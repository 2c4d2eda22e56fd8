import { authErrorHandler, getAuth, jwtAuth } from '@tokengate/express';
import express from 'express';

// Your tenants, as your database knows them (here: a Map).
const tenants = new Map([['https://acme.idp.example/', { audience: 'api://orders' }]]);

const app = express();
app.use(
  jwtAuth({
    // Asked once per issuer (answers cached): undefined refuses it, 401, nothing fetched.
    issuers: async ({ iss }) => {
      const tenant = tenants.get(iss);
      return tenant && { audience: tenant.audience }; // keys by discovery from `iss`
    },
  }),
);
app.get('/whoami', (req, res) => res.json({ tenant: getAuth(req).issuer }));
app.use(authErrorHandler());
app.listen(3000);
