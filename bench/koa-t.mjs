if (process.env.NOSTACK) Error.stackTraceLimit = 0;
import Koa from 'koa';
import { jwtAuth } from '/work/main/packages/koa/dist/index.js';
const app = new Koa(); app.silent = true;
if (process.env.AUTH) app.use(jwtAuth({ secret: 'a-test-secret-that-is-32-bytes!!', issuer: 'https://i/', audience: 'api://b' }));
app.use((ctx) => { ctx.body = { ok: true }; });
const server = app.listen(39123, '127.0.0.1');
let t0; process.on('SIGUSR2', () => { t0 = process.cpuUsage(); });
process.on('SIGTERM', () => { const c = process.cpuUsage(t0); console.log('cpu ms', ((c.user + c.system) / 1000).toFixed(0)); process.exit(0); });
