// Koa 2 (installed under the alias `koa2`) has the same middleware API as Koa 3.
declare module 'koa2' {
  import Koa from 'koa';
  export default Koa;
}
