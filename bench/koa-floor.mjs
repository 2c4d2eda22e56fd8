if (process.env.NOSTACK) Error.stackTraceLimit = 0;
import crypto from 'node:crypto';
import Koa from 'koa';
const secret = crypto.createSecretKey(Buffer.from('a-test-secret-that-is-32-bytes!!'));
const app = new Koa(); app.silent = true;
const mode = process.env.MODE;
app.use(async (ctx, next) => {
  const h = ctx.get('authorization'); const t = h.slice(7); const i = t.lastIndexOf('.');
  const mac = crypto.createHmac('sha256', secret).update(t.slice(0, i)).digest();
  const sig = Buffer.from(t.slice(i + 1), 'base64url');
  if (mac.length !== sig.length || !crypto.timingSafeEqual(mac, sig)) {
    if (mode === 'throw') { const e = new Error('token signature is invalid'); e.status = 401; e.expose = true; e.headers = { 'WWW-Authenticate': 'Bearer error="invalid_token"' }; throw e; }
    ctx.status = 401; ctx.set('WWW-Authenticate', 'Bearer error="invalid_token"'); ctx.body = 'token signature is invalid'; return;
  }
  await next();
});
app.use((ctx) => { ctx.body = { ok: true }; });
app.listen(39123, '127.0.0.1');
let t0; process.on('SIGUSR2', () => { t0 = process.cpuUsage(); });
process.on('SIGTERM', () => { const c = process.cpuUsage(t0); console.log('cpu ms', ((c.user + c.system) / 1000).toFixed(0)); process.exit(0); });
