import Router from '@koa/router';
import { getAuth, jwtAuth, requireScope } from '@tokengate/koa';
import Koa from 'koa';

const app = new Koa();
const router = new Router();
router.get('/orders', requireScope('orders:read'), (ctx) => {
  ctx.body = { user: getAuth(ctx).subject };
});
app.use(jwtAuth({ issuer: 'https://idp.example.com/', audience: 'api://orders' }));
app.use(router.routes());
app.listen(3000);
