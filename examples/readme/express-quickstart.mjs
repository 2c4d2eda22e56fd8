import { authErrorHandler, getAuth, jwtAuth, requireRole, requireScope } from '@tokengate/express';
import express from 'express';

const app = express();
app.use(jwtAuth({ issuer: 'https://idp.example.com/', audience: 'api://orders' }));
app.get('/orders', requireScope('orders:read'), (req, res) => res.json({ user: getAuth(req).subject }));
app.delete('/orders/:id', requireRole('admin'), (req, res) => res.json({ deleted: req.params.id }));
app.use(authErrorHandler());
app.listen(3000);
