import type { Context } from 'koa';

/** Koa's own context (`ctx.request.ctx === ctx`), or the context of Koa's own `ctx.request`. */
export function contextOf(value: unknown): Context | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const ctx = value as Context;
  if (ctx.request?.ctx === ctx) return ctx;
  const owner = (value as { ctx?: Context }).ctx;
  return owner?.request === value && owner.request.ctx === owner ? owner : undefined;
}
