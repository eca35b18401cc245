// The sample run that trains the bin's V8 code cache (see scripts/bundle.mjs): the bin serves
// `assume Sample --exec -- true` from a credential cache in a throw-away home, so the cache holds
// the functions that hot path compiles, not just the top level.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * A loopback endpoint nothing listens on: a port the system handed out and that was closed at
 * once, so a call there is refused locally.
 */
export function deadLoopbackEndpoint() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(`http://127.0.0.1:${port}`));
    });
  });
}

/**
 * The environment of the sample run. Nothing in it may lead outside the machine: if the
 * credential-cache path breaks, the sample falls through to sts:AssumeRole (and the SDK's
 * other credential sources), so every endpoint is the dead loopback one, instance metadata is
 * off, and the AWS files are the empty ones in the throw-away home. PATH is the only variable
 * taken from the build's own environment (no proxy, no profile, no endpoint of the user's).
 */
export function trainingEnv(home, opts) {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    AWS_ACCESS_KEY_ID: 'AKIABUILDSAMPLE00000',
    AWS_SECRET_ACCESS_KEY: 'build-sample',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_ENDPOINT_URL: opts.endpoint,
    AWS_ENDPOINT_URL_STS: opts.endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
    ...(opts.cacheFile ? { AWSORG_BUILD_V8CACHE: opts.cacheFile } : {}),
    ...(opts.nodeOptions ? { NODE_OPTIONS: opts.nodeOptions } : {}),
  };
}

/**
 * Runs the sample with the bin `bin` in a fresh home and returns spawnSync's result. `warm: false`
 * leaves the credential cache empty (what a broken cache path looks like), for tests; so do
 * `nodeOptions` and `extraEnv`.
 */
export async function runTrainingSample({ bin, cacheFile, warm = true, nodeOptions, extraEnv = {} }) {
  const dist = resolve(bin, '..', '..');
  const { writeInventory } = await import(join(dist, 'src/inventory/cache.js'));
  const { writeCachedCredentials } = await import(join(dist, 'src/core/credential-cache.js'));
  const { xdgPaths } = await import(join(dist, 'src/core/xdg.js'));
  const home = mkdtempSync(join(tmpdir(), 'awsorg-build-'));
  try {
    const endpoint = await deadLoopbackEndpoint();
    const env = { ...trainingEnv(home, { endpoint, cacheFile, nodeOptions }), ...extraEnv };
    const paths = xdgPaths(env, home);
    const baseId = `env:${env.AWS_ACCESS_KEY_ID}`;
    const account = {
      id: '111111111111',
      name: 'Sample',
      email: 'sample@example.com',
      status: 'ACTIVE',
      ouPath: '/Workloads',
      tags: {},
    };
    writeInventory(paths, {
      version: 1,
      source: 'organizations',
      baseId,
      fetchedAt: new Date().toISOString(),
      accounts: [account],
    });
    if (warm) {
      writeCachedCredentials(
        paths,
        { baseId, accountId: account.id, role: 'OrganizationAccountAccessRole' },
        {
          accessKeyId: 'ASIABUILDSAMPLE00000',
          secretAccessKey: 'sample',
          sessionToken: 'sample',
          expiration: new Date(Date.now() + 3600_000).toISOString(),
          accountId: account.id,
          role: 'OrganizationAccountAccessRole',
        },
      );
    }
    return spawnSync(process.execPath, [bin, 'assume', 'Sample', '--exec', '--', 'true'], {
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
