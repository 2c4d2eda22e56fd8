import { jwtAuth, RequireAnyRole, RequireScope } from '@tokengate/express';
import express, { type NextFunction, type Request, type Response } from 'express';

class OrdersController {
  @RequireScope('orders:read')
  list(req: Request, res: Response, _next: NextFunction) {
    res.json({ orders: [], for: req.auth?.subject });
  }

  @RequireAnyRole('admin', 'support')
  refund(req: Request, res: Response, _next: NextFunction) {
    res.json({ refunded: req.params.id });
  }
}

const orders = new OrdersController();
const app = express();
app.use(jwtAuth({ issuer: 'https://idp.example.com/', audience: 'api://orders' }));
app.get('/orders', (req, res, next) => orders.list(req, res, next));
app.post('/orders/:id/refund', (req, res, next) => orders.refund(req, res, next));
app.listen(3000);
