// `@tokengate/core/presets`: each identity provider as it publishes its tokens, one function a
// provider returning plain options to spread into `jwtAuth()` / `createVerifier()`.
export { type Auth0PresetOptions, auth0 } from './auth0.js';
export { type ClerkPresetOptions, clerk } from './clerk.js';
export { type CognitoPresetOptions, cognito } from './cognito.js';
export { type EntraPresetOptions, entra } from './entra.js';
export { type FirebasePresetOptions, firebase } from './firebase.js';
export { type GithubActionsPresetOptions, githubActions } from './github-actions.js';
export { type GooglePresetOptions, google } from './google.js';
export { type KeycloakPresetOptions, keycloak } from './keycloak.js';
export { type KubernetesPresetOptions, kubernetes } from './kubernetes.js';
export { type OktaPresetOptions, okta } from './okta.js';
export type { PresetOptions } from './shared.js';
export { type SupabasePresetOptions, supabase } from './supabase.js';
export { type WorkosPresetOptions, workos } from './workos.js';
