import { createApp } from './app.js';

const issuer = process.env.ISSUER;
const audience = process.env.AUDIENCE ?? 'api://orders';
if (!issuer) {
  console.error('Set ISSUER to your identity provider (for a local one: pnpm demo --serve)');
  process.exit(2);
}
const port = Number(process.env.PORT ?? 3001);
createApp({ issuer, audience }).listen(port, '127.0.0.1', () => {
  console.log(`express example on http://127.0.0.1:${port} (issuer ${issuer})`);
});
