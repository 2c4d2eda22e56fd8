import Koa from 'koa';
import jwt from 'koa-jwt';

const app = new Koa();
app.use((ctx, next) =>
  next().catch((err) => {
    if (err.status !== 401) throw err;
    ctx.status = 401;
    ctx.body = 'Protected resource, use Authorization header to get access\n';
  }),
);
app.use(jwt({ secret: process.env.JWT_SECRET }).unless({ path: ['/', /^\/public/] }));
app.use((ctx) => {
  if (ctx.path === '/' || ctx.path.startsWith('/public')) ctx.body = { hello: 'world' };
  else if (ctx.path === '/me') ctx.body = { sub: ctx.state.user.sub };
});
app.listen(3000);
