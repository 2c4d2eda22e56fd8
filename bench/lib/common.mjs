// Shared helpers for the benchmarks: keys, token signing with node:crypto, the "floor" verifier,
// statistics, machine information and loading tokengate's packages when they exist.
import crypto from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as jose from 'jose';

export const ALGS = ['HS256', 'RS256', 'ES256', 'EdDSA'];
export const ISSUER = 'https://issuer.bench.test/';
export const AUDIENCE = 'api://bench';
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

const HASH = { HS256: 'sha256', RS256: 'sha256', ES256: 'sha256', EdDSA: null };

/**
 * Generates one key (pair) per algorithm, in every form a contender wants: the HMAC secret as a
 * string, public keys as KeyObject, SPKI PEM and JWK (with `kid` and `alg`).
 */
export function makeKeys() {
  const keys = {
    HS256: { alg: 'HS256', kid: 'hs', secret: crypto.randomBytes(32).toString('base64url') },
  };
  const specs = {
    RS256: ['rsa', { modulusLength: 2048 }],
    ES256: ['ec', { namedCurve: 'P-256' }],
    EdDSA: ['ed25519', {}],
  };
  for (const [alg, [type, opts]] of Object.entries(specs)) {
    const { privateKey, publicKey } = crypto.generateKeyPairSync(type, opts);
    keys[alg] = serializeKey(alg, privateKey, publicKey);
  }
  return keys;
}

function serializeKey(alg, privateKey, publicKey) {
  const kid = alg.toLowerCase();
  return {
    alg,
    kid,
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }),
    publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' },
  };
}

/** Turns the serializable form from {@link makeKeys} (as sent to a child process) into KeyObjects. */
export function hydrateKeys(keys) {
  const out = {};
  for (const [alg, k] of Object.entries(keys)) {
    out[alg] =
      alg === 'HS256'
        ? { ...k, secretKey: crypto.createSecretKey(Buffer.from(k.secret)) }
        : {
            ...k,
            privateKey: crypto.createPrivateKey(k.privatePem),
            publicKey: crypto.createPublicKey(k.publicPem),
          };
  }
  return out;
}

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A signer for one algorithm: `sign(payload)` returns a compact JWS made with node:crypto. */
export function signer(alg, key) {
  const header = b64({ alg, typ: 'JWT', kid: key.kid });
  if (alg === 'HS256') {
    const secret = key.secretKey ?? crypto.createSecretKey(Buffer.from(key.secret));
    return (payload) => {
      const input = `${header}.${b64(payload)}`;
      return `${input}.${crypto.createHmac('sha256', secret).update(input).digest('base64url')}`;
    };
  }
  const priv = key.privateKey ?? crypto.createPrivateKey(key.privatePem);
  const signKey = alg === 'ES256' ? { key: priv, dsaEncoding: 'ieee-p1363' } : priv;
  return (payload) => {
    const input = `${header}.${b64(payload)}`;
    return `${input}.${crypto.sign(HASH[alg], Buffer.from(input), signKey).toString('base64url')}`;
  };
}

/** The same token with its signature's first bytes changed: well-formed, but a bad signature. */
export function tamper(token) {
  const dot = token.lastIndexOf('.');
  const sig = Buffer.from(token.slice(dot + 1), 'base64url');
  sig[0] ^= 0xff;
  sig[1] ^= 0xff;
  return `${token.slice(0, dot + 1)}${sig.toString('base64url')}`;
}

/**
 * The floor: node:crypto doing only the necessary work of a verification — split, base64url
 * decode, the signature check (HMAC + timingSafeEqual, or crypto.verify on a KeyObject),
 * JSON.parse of the payload, and the `exp` check. No header parsing, no other claims.
 */
export function floorVerifier(alg, key) {
  if (alg === 'HS256') {
    const secret = key.secretKey ?? crypto.createSecretKey(Buffer.from(key.secret));
    return (token) => {
      const parts = token.split('.');
      if (parts.length !== 3) throw new Error('malformed');
      const sig = Buffer.from(parts[2], 'base64url');
      const mac = crypto.createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest();
      if (sig.length !== mac.length || !crypto.timingSafeEqual(sig, mac)) throw new Error('bad signature');
      const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
      if (!(payload.exp > Date.now() / 1000)) throw new Error('expired');
      return payload;
    };
  }
  const pub = key.publicKey ?? crypto.createPublicKey(key.publicPem);
  const verifyKey = alg === 'ES256' ? { key: pub, dsaEncoding: 'ieee-p1363' } : pub;
  const hash = HASH[alg];
  return (token) => {
    const parts = token.split('.');
    if (parts.length !== 3) throw new Error('malformed');
    const input = Buffer.from(`${parts[0]}.${parts[1]}`, 'latin1');
    if (!crypto.verify(hash, input, verifyKey, Buffer.from(parts[2], 'base64url'))) {
      throw new Error('bad signature');
    }
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
    if (!(payload.exp > Date.now() / 1000)) throw new Error('expired');
    return payload;
  };
}

/** A WebCrypto key imported once (what hono's verify uses without re-importing per call). */
export async function cryptoKeyFor(alg, key) {
  if (alg === 'HS256') {
    return crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(key.secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['verify'],
    );
  }
  return jose.importSPKI(key.publicPem, alg);
}

export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** 5191000 → "5.19M", 151234 → "151k", 9876 → "9.88k", 312 → "312". */
export function fmtRate(x) {
  if (!Number.isFinite(x)) return '—';
  if (x >= 1_000_000) return `${(x / 1_000_000).toFixed(2)}M`;
  if (x >= 100_000) return `${Math.round(x / 1000)}k`;
  if (x >= 10_000) return `${(x / 1000).toFixed(1)}k`;
  if (x >= 1000) return `${(x / 1000).toFixed(2)}k`;
  return `${Math.round(x)}`;
}

export function fmtRatio(x) {
  if (!Number.isFinite(x)) return '—';
  return x >= 10 ? `${x.toFixed(1)}×` : `${x.toFixed(2)}×`;
}

export function machineInfo() {
  const cpus = os.cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadavg: os.loadavg().map((x) => Number(x.toFixed(2))),
    date: new Date().toISOString(),
  };
}

export function versionOf(pkg) {
  try {
    const dir = new URL(`../node_modules/${pkg}/package.json`, import.meta.url);
    return JSON.parse(readFileSync(dir, 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

/**
 * Imports a tokengate package (`core`, `express`, `koa`, `hono`) from its built entry in
 * `packages/<name>`, or returns `{ pending: reason }` when it is absent or not built. Importing by
 * path keeps the bench independent of which adapter packages exist yet.
 */
export async function loadTokengate(name) {
  const dir = new URL(`packages/${name}/`, pathToFileURL(ROOT));
  const pj = new URL('package.json', dir);
  if (!existsSync(pj)) return { pending: `packages/${name} does not exist` };
  const meta = JSON.parse(readFileSync(pj, 'utf8'));
  const root = meta.exports?.['.'];
  const entry = (typeof root === 'string' ? root : (root?.import ?? root?.default)) ?? meta.main;
  if (!entry) return { pending: `${meta.name} has no entry point` };
  const file = new URL(entry, dir);
  if (!existsSync(file)) return { pending: `${meta.name} is not built (run pnpm build)` };
  try {
    return { mod: await import(file.href), version: meta.version, name: meta.name };
  } catch (err) {
    return { pending: `${meta.name} failed to load: ${err.message}` };
  }
}

/** When started by run.mjs (with an IPC channel), exit as soon as run.mjs goes away. */
export function exitWithParent() {
  if (!process.send) return;
  process.on('disconnect', () => process.exit(1));
  process.channel?.unref(); // the channel alone must not keep a finished benchmark alive
}

/** Parses `--quick`, `--full`, `--json FILE` and `--name value` flags. */
export function parseArgs(argv = process.argv.slice(2)) {
  const out = { profile: 'default' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') out.profile = 'quick';
    else if (a === '--full') out.profile = 'full';
    else if (a.startsWith('--')) {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        out[a.slice(2)] = next;
        i++;
      } else out[a.slice(2)] = true;
    }
  }
  return out;
}
