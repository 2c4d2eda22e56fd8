import type { JwtClaims } from '../context/types.js';

/**
 * Issuer templates: an issuer written with `{claim}` parts, such as Entra ID's
 * `https://login.microsoftonline.com/{tid}/v2.0`, accepts the token whose `iss` is the template
 * with each part replaced by that claim of the same token. The `iss` is never parsed: the claims
 * are put into the template and the result must equal `iss` character for character, so a tenant
 * can only ever present its own issuer.
 */

/** A resolved issuer template: the literal text between the parts, and the claims of the parts. */
export interface IssuerTemplate {
  /** The template as written. */
  readonly source: string;
  /** Literal text: `literals[0] part[0] literals[1] part[1] … literals[n]`. */
  readonly literals: readonly string[];
  /** The claim of each part. */
  readonly claims: readonly string[];
}

const PART = /\{([^{}]*)\}/g;
const CLAIM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** What a claim may hold to fill a part: URL-unreserved characters (RFC 3986 §2.3), no `/`. */
const PART_VALUE = /^[A-Za-z0-9._~-]+$/;

/** Whether an issuer is written as a template (has a `{` or `}`). */
export function isIssuerTemplate(issuer: string): boolean {
  return issuer.includes('{') || issuer.includes('}');
}

/**
 * Parses an issuer template.
 * @throws TypeError naming `label` for an unbalanced brace or a part that is not a claim name.
 */
export function resolveIssuerTemplate(issuer: string, label: string): IssuerTemplate {
  const literals: string[] = [];
  const claims: string[] = [];
  let at = 0;
  for (const match of issuer.matchAll(PART)) {
    const name = match[1]!;
    if (!CLAIM_NAME.test(name)) {
      throw new TypeError(
        `tokengate: ${label}: issuer template ${JSON.stringify(issuer)} has a part {${name}} that is not a claim name`,
      );
    }
    literals.push(issuer.slice(at, match.index));
    claims.push(name);
    at = match.index + match[0].length;
  }
  literals.push(issuer.slice(at));
  if (literals.some(isIssuerTemplate) || claims.length === 0) {
    throw new TypeError(
      `tokengate: ${label}: issuer template ${JSON.stringify(issuer)} has an unbalanced brace`,
    );
  }
  return { source: issuer, literals, claims };
}

/** Whether `iss` is `template` filled with the token's own claims. */
export function matchesTemplate(template: IssuerTemplate, iss: string, payload: JwtClaims): boolean {
  const { literals, claims } = template;
  let expected = literals[0]!;
  for (let i = 0; i < claims.length; i++) {
    const value = payload[claims[i]!];
    if (typeof value !== 'string' || !PART_VALUE.test(value)) return false;
    expected += value + literals[i + 1]!;
  }
  return expected === iss;
}

/** Whether `iss` fills one of `templates` with the token's claims. */
export function matchesAnyTemplate(
  templates: readonly IssuerTemplate[],
  iss: string,
  payload: JwtClaims,
): boolean {
  for (const template of templates) if (matchesTemplate(template, iss, payload)) return true;
  return false;
}
