import type { BaseSignIn } from '../aws/base-signin.js';
import type { Deps } from '../core/deps.js';
import type { Settings } from '../core/settings.js';
import type { Inventory } from './types.js';

export interface DiscoverOptions {
  onProgress?: (message: string) => void;
}

export async function discoverInventory(deps: Deps, base: BaseSignIn, settings: Settings, opts: DiscoverOptions = {}): Promise<Inventory> {
  void deps; void settings; void opts;
  throw new Error(`inventory discovery is being written (${base.id})`);
}
