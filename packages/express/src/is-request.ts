import type { Request } from 'express';

/** Express's own request: `req.res.req === req` holds for what Express made, never for request input. */
export function isRequest(value: unknown): value is Request {
  return typeof value === 'object' && value !== null && (value as Request).res?.req === value;
}
