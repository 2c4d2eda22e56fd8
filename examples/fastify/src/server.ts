import { listen } from './app.js';

const issuer = process.env.ISSUER;
const audience = process.env.AUDIENCE ?? 'api://orders';
if (!issuer) {
  console.error('Set ISSUER to your identity provider (for a local one: pnpm demo --serve)');
  process.exit(2);
}
const { url } = await listen({ issuer, audience, port: Number(process.env.PORT ?? 3000) });
console.log(`fastify example on ${url} (issuer ${issuer})`);
