import { mkdir, chmod } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where awsorg keeps files outside the working directory (XDG base directories). */
export interface XdgPaths {
  config: string;
  cache: string;
  state: string;
}

export function xdgPaths(
  env: Readonly<Record<string, string | undefined>>,
  home: string = env.HOME ?? homedir(),
): XdgPaths {
  const base = (name: string, fallback: string) => {
    const value = env[name];
    // The XDG spec says relative values are invalid and must be ignored.
    return value?.startsWith('/') ? value : join(home, fallback);
  };
  return {
    config: join(base('XDG_CONFIG_HOME', '.config'), 'awsorg'),
    cache: join(base('XDG_CACHE_HOME', '.cache'), 'awsorg'),
    state: join(base('XDG_STATE_HOME', '.local/state'), 'awsorg'),
  };
}

/** Create a directory only the current user can read (0700), tightening it if it exists. */
export async function ensurePrivateDir(path: string): Promise<string> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  await chmod(path, 0o700);
  return path;
}
