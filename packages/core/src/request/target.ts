/**
 * The path and query of a request target (RFC 9112 §3.2), whatever form the request line used:
 * origin-form (`/orders?x=1`) is returned as it is; absolute-form (`http://host/orders?x=1`, which
 * a client may send to any server) loses its scheme and authority, so that nothing the client
 * wrote about the host is ever taken as this server's own URL. `undefined` for the other forms
 * (`*`, authority-form) and for anything else.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9112#section-3.2
 */
export function pathOfTarget(target: string | undefined): string | undefined {
  if (target === undefined || target === '') return '/';
  if (target.charCodeAt(0) === 47 /* / */) return target;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(target);
  if (!scheme) return undefined;
  const rest = target.slice(scheme[0].length);
  const end = rest.search(/[/?#]/);
  if (end < 0) return '/';
  return rest.charCodeAt(end) === 47 ? rest.slice(end) : `/${rest.slice(end)}`;
}
