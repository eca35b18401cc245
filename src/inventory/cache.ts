/**
 * The inventory cache: one JSON file per base sign-in under the XDG cache directory. It holds
 * ids, names, emails, OU paths and tags; never a credential. It decides which account id a
 * name, an alias's account or a generated profile maps to, so like the credential cache it is
 * used only when it is a private regular file of the user's (0600, not a symlink). Lean (node
 * built-ins only) because `assume` reads it on every run.
 */
import { join } from 'node:path';
import { cacheDir } from '../core/cache-dirs.js';
import { ensurePrivateDirSync, readTrustedFileSync, writeFileAtomicSync } from '../core/private-file.js';
import { shortDigest } from '../core/digest.js';
import type { XdgPaths } from '../core/xdg.js';
import type { Inventory } from './types.js';

export function inventoryFile(paths: XdgPaths, baseId: string): string {
  return join(cacheDir(paths, 'inventory'), `${shortDigest(baseId)}.json`);
}

export type InventoryLookup =
  | { kind: 'fresh'; inventory: Inventory }
  | { kind: 'stale'; inventory: Inventory }
  | { kind: 'absent' }
  | { kind: 'unreadable'; reason: string };

export function readInventory(paths: XdgPaths, baseId: string, now: number, ttlMinutes: number): InventoryLookup {
  const file = inventoryFile(paths, baseId);
  let text: string;
  try {
    // The same owner and mode rule as cached credentials: a file others could have written is never used, not even as a fallback.
    const read = readTrustedFileSync(file, 0o077);
    if (read.kind === 'absent') return { kind: 'absent' };
    if (read.kind === 'untrusted')
      return { kind: 'unreadable', reason: `${file} ${read.reason}; it is replaced on the next load` };
    text = read.text;
  } catch (err) {
    return { kind: 'unreadable', reason: `${file}: ${(err as Error).message}` };
  }
  let inventory: Inventory;
  try {
    inventory = JSON.parse(text) as Inventory;
  } catch (err) {
    return { kind: 'unreadable', reason: `not valid JSON (${(err as Error).message})` };
  }
  if (inventory?.version !== 1 || !Array.isArray(inventory.accounts) || inventory.baseId !== baseId) {
    return { kind: 'unreadable', reason: 'written by another version of awsorg or for another sign-in' };
  }
  const age = now - Date.parse(inventory.fetchedAt);
  return age >= 0 && age < ttlMinutes * 60_000 ? { kind: 'fresh', inventory } : { kind: 'stale', inventory };
}

export function writeInventory(paths: XdgPaths, inventory: Inventory): string {
  const dir = cacheDir(paths, 'inventory');
  ensurePrivateDirSync(paths.cache);
  ensurePrivateDirSync(dir);
  const file = inventoryFile(paths, inventory.baseId);
  writeFileAtomicSync(file, JSON.stringify(inventory));
  return file;
}
