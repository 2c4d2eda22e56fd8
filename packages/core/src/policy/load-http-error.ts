import type { HttpErrorClass } from './routing-controllers.js';

/**
 * routing-controllers' `HttpError`, from the copy `load` (the adapter's `require`) resolves: the
 * one the app's routing-controllers uses, since it is a peer dependency of the adapter.
 *
 * @throws TypeError naming the fix when routing-controllers is not installed.
 */
export function resolveHttpError(load: (id: string) => unknown, adapter: string): HttpErrorClass {
  let HttpError: unknown;
  try {
    HttpError = (load('routing-controllers') as { HttpError?: unknown }).HttpError;
  } catch (error) {
    throw new TypeError(
      `tokengate: routingControllersAuth() from ${adapter} needs routing-controllers (npm install routing-controllers)`,
      { cause: error },
    );
  }
  if (typeof HttpError !== 'function') {
    throw new TypeError('tokengate: routing-controllers exports no HttpError class; is it 0.10 or later?');
  }
  return HttpError as HttpErrorClass;
}
