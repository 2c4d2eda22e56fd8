/** The rest of the provider table (`providers.ts`): OAuth servers and workload identities. */
import type { IssuerOptions as TokengateOptions } from '../../src/index.js';
import type * as Presets from '../../src/presets/index.js';
import { now, type Provider, providerKey } from './provider.js';
import type { ProviderCase } from './providers.js';

const t = () => now();
const times = () => ({ iat: t(), exp: t() + 3600 });
const expired = () => ({ iat: t() - 7200, exp: t() - 3600 });

export async function cognitoCases(idp: Provider, presets: typeof Presets): Promise<ProviderCase[]> {
  const key = await providerKey('1234example=');
  const pool = 'us-east-1_example';
  const iss = `https://cognito-idp.us-east-1.amazonaws.com/${pool}`;
  idp.serve(`${iss}/.well-known/jwks.json`, { keys: [key.jwk] });
  const client = '1example23456789';
  const access = (extra: Record<string, unknown> = {}) =>
    key.sign({
      sub: 'aaaaaaaa-bbbb-cccc-dddd-example',
      'cognito:groups': ['admin'],
      iss,
      version: 2,
      client_id: client,
      origin_jti: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin openid orders/read',
      auth_time: t(),
      jti: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      username: 'my-test-user',
      ...times(),
      ...extra,
    });
  const id = (extra: Record<string, unknown> = {}) =>
    key.sign({
      sub: 'aaaaaaaa-bbbb-cccc-dddd-example',
      'cognito:groups': ['admin'],
      email_verified: true,
      iss,
      'cognito:username': 'my-test-user',
      aud: client,
      token_use: 'id',
      auth_time: t(),
      email: 'my-test-user@example.com',
      ...times(),
      ...extra,
    });
  const ok = '200 aaaaaaaa-bbbb-cccc-dddd-example aws.cognito.signin.user.admin,openid,orders/read admin';
  return [
    {
      name: 'cognito (access tokens)',
      preset: presets.cognito({ region: 'us-east-1', userPoolId: pool, clientId: client }),
      plain: {
        issuer: iss,
        jwksUri: `${iss}/.well-known/jwks.json`,
        rolesClaim: 'cognito:groups',
        claimCheck: [(c) => c.token_use === 'access', (c) => c.client_id === client],
      },
      tokens: [
        { name: 'access token', token: await access(), expected: ok },
        { name: 'ID token as access token', token: await id(), expected: '401 claims' },
        { name: 'no token_use', token: await access({ token_use: undefined }), expected: '401 claims' },
        {
          name: 'another app client',
          token: await access({ client_id: 'someoneelse' }),
          expected: '401 claims',
        },
        { name: 'another pool', token: await access({ iss: `${iss}x` }), expected: '401 issuer' },
        { name: 'expired', token: await access(expired()), expected: '401 expired' },
      ],
    },
    {
      name: 'cognito (ID tokens)',
      preset: presets.cognito({ region: 'us-east-1', userPoolId: pool, clientId: [client], tokenUse: 'id' }),
      plain: {
        issuer: iss,
        jwksUri: `${iss}/.well-known/jwks.json`,
        audience: client,
        rolesClaim: 'cognito:groups',
        claimCheck: (c) => c.token_use === 'id',
      },
      tokens: [
        { name: 'ID token', token: await id(), expected: '200 aaaaaaaa-bbbb-cccc-dddd-example - admin' },
        { name: 'access token as ID token (it has no aud)', token: await access(), expected: '401 audience' },
        { name: 'another app client', token: await id({ aud: 'someoneelse' }), expected: '401 audience' },
      ],
    },
  ];
}

export async function keycloakCases(idp: Provider, presets: typeof Presets): Promise<ProviderCase[]> {
  const key = await providerKey('FJ86GcF3jTbNLOco4NvZkUCIUmfYCqoqtOQeMfbhNlE');
  const iss = 'https://sso.example.com/realms/acme';
  idp.serve(`${iss}/protocol/openid-connect/certs`, { keys: [key.jwk] });
  const access = (extra: Record<string, unknown> = {}) =>
    key.sign(
      {
        ...times(),
        auth_time: t(),
        jti: 'onrtac:6c3b7ad7',
        iss,
        aud: ['orders-api', 'account'],
        sub: 'f:8a1b:jane',
        typ: 'Bearer',
        azp: 'web',
        sid: '9c2a',
        acr: '1',
        'allowed-origins': ['https://app.example.com'],
        realm_access: { roles: ['default-roles-acme', 'offline_access'] },
        resource_access: {
          'com.example.orders': { roles: ['orders-admin'] },
          account: { roles: ['manage-account'] },
        },
        scope: 'openid email profile',
        email_verified: true,
        preferred_username: 'jane',
        ...extra,
      },
      { typ: 'JWT' },
    );
  return [
    {
      name: 'keycloak',
      preset: presets.keycloak({
        url: 'https://sso.example.com',
        realm: 'acme',
        audience: 'orders-api',
        clientId: 'com.example.orders',
      }),
      plain: {
        issuer: iss,
        jwksUri: `${iss}/protocol/openid-connect/certs`,
        audience: 'orders-api',
        rolesClaim: ['realm_access.roles', '/resource_access/com.example.orders/roles'],
        claimCheck: (c) => c.typ === 'Bearer',
      },
      tokens: [
        {
          name: 'access token',
          token: await access(),
          expected: '200 f:8a1b:jane email,openid,profile default-roles-acme,offline_access,orders-admin',
        },
        {
          name: 'ID token (typ ID)',
          token: await access({ typ: 'ID', aud: 'orders-api' }),
          expected: '401 claims',
        },
        {
          name: 'another realm',
          token: await access({ iss: 'https://sso.example.com/realms/other' }),
          expected: '401 issuer',
        },
        { name: 'not for this API', token: await access({ aud: 'account' }), expected: '401 audience' },
        { name: 'expired', token: await access(expired()), expected: '401 expired' },
      ],
    },
  ];
}

export async function auth0Cases(idp: Provider, presets: typeof Presets): Promise<ProviderCase[]> {
  const key = await providerKey('NjVBRjY5MDlCMUIwNzU4RTA2QzZFMDQ4QzQ2MDAyQjVDNjk1RTM2Qg');
  idp.serve('https://acme.eu.auth0.com/.well-known/jwks.json', { keys: [key.jwk] });
  const access = (extra: Record<string, unknown> = {}) =>
    key.sign({
      iss: 'https://acme.eu.auth0.com/',
      sub: 'auth0|5f7c8ec7c33c6c004bbafe82',
      aud: ['https://api.example.com', 'https://acme.eu.auth0.com/userinfo'],
      azp: 'my_client_id',
      scope: 'openid profile read:orders',
      permissions: ['delete:orders'],
      ...times(),
      ...extra,
    });
  const plain: TokengateOptions = {
    issuer: 'https://acme.eu.auth0.com/',
    jwksUri: 'https://acme.eu.auth0.com/.well-known/jwks.json',
    audience: 'https://api.example.com',
    scopeClaim: ['scope', 'permissions'],
  };
  return [
    {
      name: 'auth0',
      preset: presets.auth0({ domain: 'acme.eu.auth0.com', audience: 'https://api.example.com' }),
      plain,
      tokens: [
        {
          name: 'access token',
          token: await access(),
          expected: '200 auth0|5f7c8ec7c33c6c004bbafe82 delete:orders,openid,profile,read:orders -',
        },
        {
          name: 'ID token as access token',
          token: await access({ aud: 'my_client_id', scope: undefined, permissions: undefined, nonce: 'n' }),
          expected: '401 audience',
        },
        {
          name: 'another tenant',
          token: await access({ iss: 'https://evil.eu.auth0.com/' }),
          expected: '401 issuer',
        },
        { name: 'expired', token: await access(expired()), expected: '401 expired' },
      ],
    },
  ];
}

export async function oktaCases(idp: Provider, presets: typeof Presets): Promise<ProviderCase[]> {
  const key = await providerKey('eVzXDvIxzNxDSyqS0X8mAnMgNOoy9SpLs0MD3lzXAYo');
  const iss = 'https://acme.okta.com/oauth2/default';
  idp.serve(`${iss}/v1/keys`, { keys: [key.jwk] });
  const access = (extra: Record<string, unknown> = {}) =>
    key.sign({
      ver: 1,
      jti: 'AT.0mP4JKAZX1iACIT4vbEDF7LpvDVjxypPMf0D7uX39RE',
      iss,
      aud: 'api://default',
      sub: 'jane@example.com',
      cid: '0oa1pqv2jsN4ZOTqf5d7',
      uid: '00uid4BxXw6I6TV4m0g3',
      scp: ['openid', 'orders:read'],
      groups: ['Everyone', 'Admins'],
      auth_time: t(),
      ...times(),
      ...extra,
    });
  return [
    {
      name: 'okta',
      preset: presets.okta({ issuer: iss, audience: 'api://default' }),
      plain: { issuer: iss, jwksUri: `${iss}/v1/keys`, audience: 'api://default', rolesClaim: 'groups' },
      tokens: [
        {
          name: 'access token',
          token: await access(),
          expected: '200 jane@example.com openid,orders:read Admins,Everyone',
        },
        {
          name: 'ID token as access token',
          token: await access({ aud: '0oa1pqv2jsN4ZOTqf5d7', scp: undefined, cid: undefined }),
          expected: '401 audience',
        },
        {
          name: 'another authorization server',
          token: await access({ iss: 'https://acme.okta.com/oauth2/other' }),
          expected: '401 issuer',
        },
        { name: 'expired', token: await access(expired()), expected: '401 expired' },
      ],
    },
  ];
}

export async function clerkCases(idp: Provider, presets: typeof Presets): Promise<ProviderCase[]> {
  const key = await providerKey('ins_2abcdefGHIJKLMN');
  const iss = 'https://clerk.example.com';
  idp.serve(`${iss}/.well-known/jwks.json`, { keys: [key.jwk] });
  const session = (extra: Record<string, unknown> = {}) =>
    key.sign({
      azp: 'https://app.example.com',
      ...times(),
      fva: [0, -1],
      iss,
      nbf: t() - 10,
      sid: 'sess_123',
      sub: 'user_2abc',
      v: 2,
      o: { id: 'org_123', rol: 'admin', slg: 'acme' },
      ...extra,
    });
  return [
    {
      name: 'clerk',
      preset: presets.clerk({ issuer: iss, authorizedParties: ['https://app.example.com'] }),
      plain: {
        issuer: iss,
        jwksUri: `${iss}/.well-known/jwks.json`,
        rolesClaim: ['org_role', '/o/rol'],
        claimCheck: (c) => c.azp === undefined || c.azp === 'https://app.example.com',
      },
      tokens: [
        { name: 'v2 session token', token: await session(), expected: '200 user_2abc - admin' },
        {
          name: 'v1 session token',
          token: await session({ v: undefined, o: undefined, org_role: 'org:member' }),
          expected: '200 user_2abc - org:member',
        },
        {
          name: 'another origin (azp)',
          token: await session({ azp: 'https://evil.example' }),
          expected: '401 claims',
        },
        {
          name: 'another instance',
          token: await session({ iss: 'https://clerk.evil.example' }),
          expected: '401 issuer',
        },
        { name: 'expired', token: await session(expired()), expected: '401 expired' },
      ],
    },
  ];
}

export async function githubActionsCases(idp: Provider, presets: typeof Presets): Promise<ProviderCase[]> {
  const key = await providerKey('cc413527-173f-5a05-976e-9c52b1d7b431');
  const iss = 'https://token.actions.githubusercontent.com';
  idp.serve(`${iss}/.well-known/jwks`, { keys: [key.jwk] });
  const oidc = (extra: Record<string, unknown> = {}) =>
    key.sign({
      jti: 'example-id',
      sub: 'repo:octo-org/octo-repo:environment:prod',
      environment: 'prod',
      aud: 'https://deploy.example.com',
      ref: 'refs/heads/main',
      sha: 'example-sha',
      repository: 'octo-org/octo-repo',
      repository_owner: 'octo-org',
      actor_id: '12',
      repository_visibility: 'private',
      repository_id: '74',
      repository_owner_id: '65',
      run_id: 'example-run-id',
      run_number: '10',
      run_attempt: '2',
      runner_environment: 'github-hosted',
      actor: 'octocat',
      workflow: 'example-workflow',
      head_ref: '',
      base_ref: '',
      event_name: 'workflow_dispatch',
      ref_type: 'branch',
      job_workflow_ref: 'octo-org/octo-automation/.github/workflows/oidc.yml@refs/heads/main',
      iss,
      nbf: t() - 5,
      ...times(),
      ...extra,
    });
  const sub = 'repo:octo-org/octo-repo:environment:prod';
  return [
    {
      name: 'githubActions',
      preset: presets.githubActions({
        audience: 'https://deploy.example.com',
        repository: 'octo-org/octo-repo',
      }),
      plain: {
        issuer: iss,
        jwksUri: `${iss}/.well-known/jwks`,
        audience: 'https://deploy.example.com',
        claimCheck: (c) => c.repository === 'octo-org/octo-repo',
      },
      tokens: [
        { name: 'workflow token', token: await oidc(), expected: `200 ${sub} - -` },
        {
          name: 'another repository',
          token: await oidc({ repository: 'octo-org/octo-repo-fork' }),
          expected: '401 claims',
        },
        {
          name: 'another audience',
          token: await oidc({ aud: 'sts.amazonaws.com' }),
          expected: '401 audience',
        },
        {
          name: 'wrong issuer',
          token: await oidc({ iss: `${iss}/octo-enterprise` }),
          expected: '401 issuer',
        },
        { name: 'expired', token: await oidc(expired()), expected: '401 expired' },
      ],
    },
  ];
}

export async function kubernetesCases(idp: Provider, presets: typeof Presets): Promise<ProviderCase[]> {
  const key = await providerKey('Jv3vPj3m0Kc4zF3w4ZpgVdWc1f0m3l2o4aRz9w4n5k8');
  const iss = 'https://kubernetes.default.svc.cluster.local';
  idp.serve(`${iss}/.well-known/openid-configuration`, {
    issuer: iss,
    jwks_uri: 'https://172.18.0.2:6443/openid/v1/jwks',
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
  });
  idp.serve('https://172.18.0.2:6443/openid/v1/jwks', { keys: [key.jwk] });
  const sa = (extra: Record<string, unknown> = {}) =>
    key.sign({
      aud: ['orders'],
      iss,
      jti: 'b0d1c2e3-0000-4000-8000-000000000000',
      'kubernetes.io': {
        namespace: 'prod',
        node: { name: 'node-1', uid: '1' },
        pod: { name: 'orders-7d9f', uid: '2' },
        serviceaccount: { name: 'orders', uid: '3' },
      },
      nbf: t(),
      sub: 'system:serviceaccount:prod:orders',
      ...times(),
      ...extra,
    });
  return [
    {
      name: 'kubernetes',
      preset: presets.kubernetes({ issuer: iss, audience: 'orders' }),
      plain: { issuer: iss, audience: 'orders' },
      tokens: [
        {
          name: 'projected service-account token',
          token: await sa(),
          expected: '200 system:serviceaccount:prod:orders - -',
        },
        {
          name: 'another audience',
          token: await sa({ aud: ['https://kubernetes.default.svc.cluster.local'] }),
          expected: '401 audience',
        },
        {
          name: 'another cluster',
          token: await sa({ iss: 'https://oidc.eks.eu-west-1.amazonaws.com/id/X' }),
          expected: '401 issuer',
        },
        { name: 'expired', token: await sa(expired()), expected: '401 expired' },
      ],
    },
  ];
}

export async function workosCases(idp: Provider, presets: typeof Presets): Promise<ProviderCase[]> {
  const key = await providerKey('sso_oidc_key_pair_01HQSXZ');
  const client = 'client_01HQSXZGF8FHF7A9ZZFCW4387R';
  idp.serve(`https://api.workos.com/sso/jwks/${client}`, { keys: [key.jwk] });
  const access = (extra: Record<string, unknown> = {}) =>
    key.sign({
      iss: `https://api.workos.com/user_management/${client}`,
      sub: 'user_01HBEQKA6K4QJAS93VPE39W1JT',
      org_id: 'org_01HRDMC6CM357W30QMHMQ96Q0S',
      role: 'member',
      roles: ['member'],
      permissions: ['posts:read', 'posts:write'],
      entitlements: ['audit-logs'],
      sid: 'session_01HQSXZGF8FHF7A9ZZFCW4387R',
      jti: '01HQSXZXPPFPKMDD32RKTFY6PV',
      ...times(),
      ...extra,
    });
  const ok = '200 user_01HBEQKA6K4QJAS93VPE39W1JT posts:read,posts:write member';
  return [
    {
      name: 'workos',
      preset: presets.workos({ clientId: client }),
      plain: {
        issuer: [`https://api.workos.com/user_management/${client}`, 'https://api.workos.com'],
        jwksUri: `https://api.workos.com/sso/jwks/${client}`,
        scopeClaim: 'permissions',
        rolesClaim: ['roles', 'role'],
      },
      tokens: [
        { name: 'access token', token: await access(), expected: ok },
        {
          name: 'access token (reference issuer)',
          token: await access({ iss: 'https://api.workos.com' }),
          expected: ok,
        },
        {
          name: 'another environment',
          token: await access({ iss: 'https://api.workos.com/user_management/client_other' }),
          expected: '401 issuer',
        },
        { name: 'expired', token: await access(expired()), expected: '401 expired' },
      ],
    },
  ];
}
