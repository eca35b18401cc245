/**
 * The inventory cache: one JSON file per base sign-in under the XDG cache directory. It holds
 * ids, names, emails, OU paths and tags; never a credential. Lean (node built-ins only)
 * because `assume` reads it on every run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDirSync, writeFileAtomicSync } from '../core/private-file.js';
import { shortDigest } from '../core/digest.js';
import type { XdgPaths } from '../core/xdg.js';
import type { Inventory } from './types.js';

export function inventoryFile(paths: XdgPaths, baseId: string): string {
  return join(paths.cache, 'inventory', `${shortDigest(baseId)}.json`);
}

export type InventoryLookup =
  | { kind: 'fresh'; inventory: Inventory }
  | { kind: 'stale'; inventory: Inventory }
  | { kind: 'absent' }
  | { kind: 'unreadable'; reason: string };

export function readInventory(paths: XdgPaths, baseId: string, now: number, ttlMinutes: number): InventoryLookup {
  let text: string;
  try {
    text = readFileSync(inventoryFile(paths, baseId), 'utf8');
  } catch {
    return { kind: 'absent' };
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
  const dir = join(paths.cache, 'inventory');
  ensurePrivateDirSync(paths.cache);
  ensurePrivateDirSync(dir);
  const file = inventoryFile(paths, inventory.baseId);
  writeFileAtomicSync(file, JSON.stringify(inventory));
  return file;
}
