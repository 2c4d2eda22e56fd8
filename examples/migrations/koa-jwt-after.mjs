import { getAuth, jwtAuth } from '@tokengate/koa';
import Koa from 'koa';

const app = new Koa();
app.use((ctx, next) =>
  next().catch((err) => {
    if (err.status !== 401) throw err;
    ctx.set(err.headers); // the RFC 6750 challenge
    ctx.status = 401;
    ctx.body = 'Protected resource, use Authorization header to get access\n';
  }),
);
// Public routes first: what koa-jwt's .unless({ path }) skipped.
app.use((ctx, next) => {
  if (ctx.path === '/' || ctx.path.startsWith('/public')) ctx.body = { hello: 'world' };
  else return next();
});
app.use(
  jwtAuth({
    secret: process.env.JWT_SECRET, // at least 32 bytes (see below)
    // requireExp: false, // only while tokens without `exp` are still in use
    // algorithms: ['HS256', 'HS384', 'HS512'], // koa-jwt's default (the secret must be 64 bytes)
  }),
);
app.use((ctx) => {
  if (ctx.path === '/me') ctx.body = { sub: getAuth(ctx).claims.sub };
});
app.listen(3000);
