import { jwtAuth } from '@tokengate/express';
import express from 'express';
import pino from 'pino';

const logger = pino();
const app = express();
app.use(
  jwtAuth({
    issuer: 'https://idp.example.com/',
    // Never receives the token: log the code and reason, not the credentials.
    onError: ({ error, request }) =>
      logger.warn(
        { code: error.code, reason: error.reason, status: error.status, path: request?.path },
        error.message,
      ),
  }),
);
app.get('/orders', (_req, res) => res.json([]));
app.listen(3000);
