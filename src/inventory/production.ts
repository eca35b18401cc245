/** Which accounts count as production, by OU path or tag (rules in settings). Pure. */
import type { ProductionRules } from '../core/settings.js';
import type { InventoryAccount } from './types.js';

/** The reason an account is production ("OU /Workloads/Prod", "tag environment=production"), or undefined. */
export function productionReason(account: InventoryAccount, rules: ProductionRules): string | undefined {
  const segments = account.ouPath.split('/').filter(Boolean);
  for (const pattern of rules.ouPatterns) {
    const re = new RegExp(pattern, 'i');
    if (segments.some((s) => re.test(s))) return `OU ${account.ouPath}`;
  }
  const tags = Object.entries(account.tags ?? {});
  for (const rule of rules.tags) {
    for (const [key, value] of tags) {
      if (
        key.toLowerCase() === rule.key.toLowerCase() &&
        rule.values.some((v) => v.toLowerCase() === value.toLowerCase())
      ) {
        return `tag ${key}=${value}`;
      }
    }
  }
  return undefined;
}
