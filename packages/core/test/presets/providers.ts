/**
 * Each identity provider as it publishes its tokens: its documented key (and discovery)
 * documents at their real URLs, access and ID token shapes, and what its own libraries accept
 * and refuse. One table, run through a preset and through the equivalent plain options by the
 * Express test (`packages/express/test/presets.test.ts`).
 */
import { SignJWT } from 'jose';
import type { IssuerOptions as TokengateOptions } from '../../src/index.js';
import type * as Presets from '../../src/presets/index.js';
import { certificateKey, now, type Provider, providerKey, TEST_CERTIFICATE } from './provider.js';

/** One token and the answer expected: `200 <sub> <scopes> <roles>` or `401 <reason>`. */
export interface TokenCase {
  readonly name: string;
  readonly token: string;
  readonly expected: string;
}

export interface ProviderCase {
  readonly name: string;
  /** The preset's options. */
  readonly preset: TokengateOptions;
  /** The same rules written as plain options (what a user without the preset writes). */
  readonly plain: TokengateOptions;
  readonly tokens: readonly TokenCase[];
}

const t = () => now();
const times = () => ({ iat: t(), nbf: t(), exp: t() + 3600 });
const expired = () => ({ iat: t() - 7200, nbf: t() - 7200, exp: t() - 3600 });

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OTHER_TENANT = '5a9a5fcd-2b4e-4c4e-9a73-3a0fcd5ab9c1';
const CLIENT = '6e74172b-be56-4843-9ff4-e66a39bb12e3';

export async function entraCases(idp: Provider, presets: typeof Presets): Promise<ProviderCase[]> {
  const key = await providerKey('nOo3ZDrODXEK1jKWhXslHR_KXEg');
  const jwk = { ...key.jwk, x5t: key.kid, issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0' };
  idp.serve(`https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`, { keys: [jwk] });
  idp.serve('https://login.microsoftonline.com/common/discovery/v2.0/keys', { keys: [jwk] });
  const v2 = (tid: string, extra: Record<string, unknown> = {}) =>
    key.sign({
      aud: CLIENT,
      iss: `https://login.microsoftonline.com/${tid}/v2.0`,
      ...times(),
      aio: 'AXQAi/8TAAAA',
      azp: '1fec8e78-bce4-4aaf-ab1b-5451cc387264',
      azpacr: '0',
      name: 'Abe Lincoln',
      oid: '690222be-ff1a-4d56-abd1-7e4f7d38e474',
      preferred_username: 'abeli@microsoft.com',
      rh: 'I',
      scp: 'access_as_user Orders.Read',
      sub: 'HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ',
      tid,
      uti: 'fqiBqXLPj0eQa82S-IYFAA',
      ver: '2.0',
      ...extra,
    });
  const v1 = (tid: string, extra: Record<string, unknown> = {}) =>
    key.sign({
      aud: `api://${CLIENT}`,
      iss: `https://sts.windows.net/${tid}/`,
      ...times(),
      appid: '1fec8e78-bce4-4aaf-ab1b-5451cc387264',
      appidacr: '0',
      oid: '690222be-ff1a-4d56-abd1-7e4f7d38e474',
      scp: 'user_impersonation',
      sub: 'l3_roISQU222bULS9yi2k0XpqpOiMz5H3ZACo1GeXA',
      tid,
      unique_name: 'abeli@microsoft.com',
      upn: 'abeli@microsoft.com',
      ver: '1.0',
      ...extra,
    });
  const appOnly = await v2(TENANT, { scp: undefined, roles: ['Orders.Read.All'], sub: 'app-sp-oid' });
  const idToken = await v2(TENANT, { scp: undefined, nonce: 'n-0S6_WzA2Mj', sub: 'id-token-user' });
  const plainSingle: TokengateOptions = {
    issuer: [`https://login.microsoftonline.com/${TENANT}/v2.0`, `https://sts.windows.net/${TENANT}/`],
    jwksUri: `https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`,
    audience: [CLIENT, `api://${CLIENT}`],
    algorithms: ['RS256'],
    scopeClaim: 'scp',
    rolesClaim: 'roles',
    claimCheck: (c) => c.scp !== undefined || c.roles !== undefined || 'an ID token is not an access token',
  };
  const single = [
    {
      name: 'v2 access token',
      token: await v2(TENANT),
      expected: '200 HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ Orders.Read,access_as_user -',
    },
    {
      name: 'v1 access token',
      token: await v1(TENANT),
      expected: '200 l3_roISQU222bULS9yi2k0XpqpOiMz5H3ZACo1GeXA user_impersonation -',
    },
    { name: 'app-only token (roles)', token: appOnly, expected: '200 app-sp-oid - Orders.Read.All' },
    { name: 'ID token as access token', token: idToken, expected: '401 claims' },
    { name: 'another tenant', token: await v2(OTHER_TENANT), expected: '401 issuer' },
    { name: 'another API', token: await v2(TENANT, { aud: 'api://someone-else' }), expected: '401 audience' },
    { name: 'expired', token: await v2(TENANT, expired()), expected: '401 expired' },
  ];
  const multi = [
    {
      name: 'tenant A',
      token: await v2(TENANT),
      expected: '200 HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ Orders.Read,access_as_user -',
    },
    {
      name: 'tenant B',
      token: await v2(OTHER_TENANT, { sub: 'b' }),
      expected: '200 b Orders.Read,access_as_user -',
    },
    {
      name: 'v1, tenant B',
      token: await v1(OTHER_TENANT, { sub: 'b1' }),
      expected: '200 b1 user_impersonation -',
    },
    { name: 'iss and tid disagree', token: await v2(TENANT, { tid: OTHER_TENANT }), expected: '401 issuer' },
    { name: 'no tid', token: await v2(TENANT, { tid: undefined }), expected: '401 issuer' },
    { name: 'ID token', token: await v2(OTHER_TENANT, { scp: undefined }), expected: '401 claims' },
  ];
  return [
    {
      name: 'entra (single tenant)',
      preset: presets.entra({ tenant: TENANT, audience: CLIENT }),
      plain: plainSingle,
      tokens: single,
    },
    {
      name: 'entra (organizations)',
      preset: presets.entra({ tenant: 'organizations', audience: CLIENT }),
      plain: {
        ...plainSingle,
        issuer: ['https://login.microsoftonline.com/{tid}/v2.0', 'https://sts.windows.net/{tid}/'],
        jwksUri: 'https://login.microsoftonline.com/common/discovery/v2.0/keys',
      },
      tokens: multi,
    },
    {
      name: 'entra (v2 only)',
      preset: presets.entra({ tenant: TENANT, audience: CLIENT, version: 2 }),
      plain: { ...plainSingle, issuer: `https://login.microsoftonline.com/${TENANT}/v2.0` },
      tokens: [
        {
          name: 'v2',
          token: await v2(TENANT, { scp: 'a' }),
          expected: '200 HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ a -',
        },
        { name: 'v1 refused', token: await v1(TENANT), expected: '401 issuer' },
      ],
    },
  ];
}

export async function googleCases(idp: Provider, presets: typeof Presets): Promise<ProviderCase[]> {
  const key = await certificateKey('c8ab71530972bba20b49f78a09c9852c43ff9118');
  idp.serve('https://www.googleapis.com/oauth2/v3/certs', {
    keys: [{ ...(await jwkOfCertificate()), kid: key.kid, alg: 'RS256', use: 'sig' }],
  });
  idp.serve('https://www.googleapis.com/oauth2/v1/certs', { [key.kid]: TEST_CERTIFICATE });
  const aud = '1008719970978-hb24n2dstb40o45d4feuo2ukqmcc6381.apps.googleusercontent.com';
  const idToken = (extra: Record<string, unknown> = {}) =>
    key.sign({
      iss: 'https://accounts.google.com',
      azp: aud,
      aud,
      sub: '110169484474386276334',
      hd: 'example.com',
      email: 'jane@example.com',
      email_verified: true,
      ...times(),
      ...extra,
    });
  const tokens = [
    { name: 'ID token (https issuer)', token: await idToken(), expected: '200 110169484474386276334 - -' },
    {
      name: 'ID token (bare issuer)',
      token: await idToken({ iss: 'accounts.google.com' }),
      expected: '200 110169484474386276334 - -',
    },
    { name: 'another hosted domain', token: await idToken({ hd: 'evil.example' }), expected: '401 claims' },
    { name: 'a consumer account (no hd)', token: await idToken({ hd: undefined }), expected: '401 claims' },
    {
      name: 'another client',
      token: await idToken({ aud: 'other.apps.googleusercontent.com' }),
      expected: '401 audience',
    },
    {
      name: 'wrong issuer',
      token: await idToken({ iss: 'https://accounts.google.com/' }),
      expected: '401 issuer',
    },
    { name: 'expired', token: await idToken(expired()), expected: '401 expired' },
  ];
  const plain: TokengateOptions = {
    issuer: ['accounts.google.com', 'https://accounts.google.com'],
    jwksUri: 'https://www.googleapis.com/oauth2/v3/certs',
    audience: aud,
    claimCheck: (c) => c.hd === 'example.com',
  };
  return [
    {
      name: 'google (JWKS)',
      preset: presets.google({ audience: aud, hostedDomain: 'example.com' }),
      plain,
      tokens,
    },
    {
      name: 'google (certificates)',
      preset: presets.google({ audience: aud, hostedDomain: 'example.com', keySet: 'certificates' }),
      plain: { ...plain, jwksUri: undefined, certificatesUri: 'https://www.googleapis.com/oauth2/v1/certs' },
      tokens,
    },
  ];
}

async function jwkOfCertificate(): Promise<Record<string, unknown>> {
  const { X509Certificate } = await import('node:crypto');
  return new X509Certificate(TEST_CERTIFICATE).publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
}

export async function firebaseCases(idp: Provider, presets: typeof Presets): Promise<ProviderCase[]> {
  const key = await certificateKey('0d8a673a0ac1e5b1f01b3a0f5a2c38e4e5a8f3a1');
  idp.serve('https://www.googleapis.com/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com', {
    [key.kid]: TEST_CERTIFICATE,
  });
  const idToken = (extra: Record<string, unknown> = {}) =>
    key.sign({
      iss: 'https://securetoken.google.com/my-project',
      aud: 'my-project',
      auth_time: t() - 60,
      user_id: 'eAHeMlZr3FUhPcqzNaTJbIBhfE43',
      sub: 'eAHeMlZr3FUhPcqzNaTJbIBhfE43',
      email: 'jane@example.com',
      email_verified: false,
      firebase: { identities: { email: ['jane@example.com'] }, sign_in_provider: 'password' },
      ...times(),
      ...extra,
    });
  return [
    {
      name: 'firebase',
      preset: presets.firebase({ projectId: 'my-project' }),
      plain: {
        issuer: 'https://securetoken.google.com/my-project',
        certificatesUri:
          'https://www.googleapis.com/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com',
        audience: 'my-project',
        claimCheck: (c) => typeof c.sub === 'string' && c.sub.length > 0 && c.sub.length <= 128,
      },
      tokens: [
        { name: 'ID token', token: await idToken(), expected: '200 eAHeMlZr3FUhPcqzNaTJbIBhfE43 - -' },
        { name: 'empty sub', token: await idToken({ sub: '' }), expected: '401 claims' },
        { name: 'another project', token: await idToken({ aud: 'other-project' }), expected: '401 audience' },
        {
          name: 'another project’s issuer',
          token: await idToken({ iss: 'https://securetoken.google.com/other' }),
          expected: '401 issuer',
        },
        { name: 'expired', token: await idToken(expired()), expected: '401 expired' },
      ],
    },
  ];
}

export async function supabaseCases(idp: Provider, presets: typeof Presets): Promise<ProviderCase[]> {
  const key = await providerKey('4f3e6d2c-8a1b-4c5d-9e7f-0a1b2c3d4e5f', 'ES256');
  const secret = 'super-secret-jwt-token-with-at-least-32-characters-long';
  const url = 'https://abcdefghijklmnopqrst.supabase.co';
  idp.serve(`${url}/auth/v1/.well-known/jwks.json`, { keys: [key.jwk] });
  const claims = (extra: Record<string, unknown> = {}) => ({
    iss: `${url}/auth/v1`,
    sub: '8ccaa7af-909f-44e7-84cb-67cdccb56be6',
    aud: 'authenticated',
    email: 'jane@example.com',
    phone: '',
    app_metadata: { provider: 'email', providers: ['email'] },
    user_metadata: {},
    role: 'authenticated',
    aal: 'aal1',
    amr: [{ method: 'password', timestamp: t() }],
    session_id: 'c2a0a0a0-0000-4000-8000-000000000000',
    is_anonymous: false,
    ...times(),
    ...extra,
  });
  const hs = (extra: Record<string, unknown> = {}) =>
    new SignJWT(claims(extra))
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(new TextEncoder().encode(secret));
  const tokens = [
    {
      name: 'ES256 access token',
      token: await key.sign(claims()),
      expected: '200 8ccaa7af-909f-44e7-84cb-67cdccb56be6 - authenticated',
    },
    {
      name: 'legacy HS256 access token',
      token: await hs(),
      expected: '200 8ccaa7af-909f-44e7-84cb-67cdccb56be6 - authenticated',
    },
    {
      name: 'legacy anon key (iss "supabase")',
      token: await hs({ iss: 'supabase', role: 'anon', aud: undefined, sub: undefined }),
      expected: '401 issuer',
    },
    {
      name: 'another project',
      token: await key.sign(claims({ iss: 'https://zzzz.supabase.co/auth/v1' })),
      expected: '401 issuer',
    },
    { name: 'wrong audience', token: await key.sign(claims({ aud: 'anon' })), expected: '401 audience' },
    { name: 'expired', token: await key.sign(claims(expired())), expected: '401 expired' },
  ];
  const plain: TokengateOptions = {
    issuer: `${url}/auth/v1`,
    jwksUri: `${url}/auth/v1/.well-known/jwks.json`,
    secret,
    algorithms: ['HS256', 'ES256'],
    audience: 'authenticated',
    rolesClaim: 'role',
  };
  return [
    { name: 'supabase (with legacy secret)', preset: presets.supabase({ url, secret }), plain, tokens },
    {
      name: 'supabase (signing keys only)',
      preset: presets.supabase({ url }),
      plain: { ...plain, secret: undefined, algorithms: ['ES256'] },
      tokens: [
        tokens[0]!,
        { name: 'HS256 refused without secret', token: await hs(), expected: '401 alg_not_allowed' },
      ],
    },
  ];
}

export * from './providers-more.js';
