// Koa 2 (installed under the alias `koa2`) has the same middleware API as Koa 3.
declare module 'koa2' {
  import Koa from 'koa';
  export default Koa;
}

// Express 4 (installed under the alias `express4`) has the same middleware API as Express 5.
declare module 'express4' {
  import express from 'express';
  export default express;
}

// Fastify 4 (installed under the alias `fastify4`): the plugin API tokengate uses is Fastify 5's.
declare module 'fastify4' {
  import Fastify from 'fastify';
  export default Fastify;
}
