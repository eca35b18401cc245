/**
 * What the console can do, as one interface the UI calls: sessions, sign-in URLs, the browser,
 * reloading the inventory, and the cached-session lookup for visible rows. `liveOperations`
 * wires it to the operator functions in src/assume and src/inventory; tests pass their own.
 * The UI itself makes no AWS call.
 */
import { consoleSignInUrl } from '../../assume/console-url.js';
import { loadOperatorContext, openRoleSession, type OperatorContext } from '../../assume/context.js';
import { cachedOperatorIdentity } from '../../assume/operator.js';
import type { RoleSession } from '../../assume/types.js';
import { readCachedCredentials } from '../../core/credential-cache.js';
import type { Deps } from '../../aws/deps.js';
import { AwsorgError } from '../../core/errors.js';
import type { InventoryAccount } from '../../inventory/types.js';
import { identitySummary } from './identity.js';
import { buildModel, consoleRunbooks, type ConsoleModel, type RunbookOffer } from './model.js';
import { REHEARSAL_NO_URL } from './state.js';

export interface ConsoleOperations {
  now(): number;
  /** When the cached session for the account's role expires (epoch ms), if one is cached. Reads files only. */
  sessionExpiry(account: InventoryAccount): number | undefined;
  /** Credentials for the account: the credential cache first, else AssumeRole / Identity Center. */
  openSession(account: InventoryAccount): Promise<RoleSession>;
  signInUrl(session: RoleSession): Promise<string>;
  /** Open the URL in the operator's browser; resolves to the command used. */
  openInBrowser(url: string): Promise<string>;
  /** Load the inventory from AWS again. */
  reload(onProgress: (message: string) => void): Promise<ConsoleModel>;
  /** The runbooks `!` offers and the incident-id rule, loaded on first use. */
  runbooks(): Promise<RunbookOffer>;
  /** Receives what the operator functions would print on stderr while the console owns the screen. */
  setNoticeListener(listener: ((message: string) => void) | undefined): void;
}

export function consoleModel(deps: Pick<Deps, 'paths'>, ctx: OperatorContext, rehearsal?: string): ConsoleModel {
  const identity = identitySummary(ctx.base, cachedOperatorIdentity(deps, ctx.base)?.arn);
  const model = buildModel(ctx.inventory, ctx.settings, identity, ctx.inventoryFrom);
  return rehearsal ? { ...model, rehearsal } : model;
}

export interface LiveOperationsOptions {
  /** The emulator endpoint of a rehearsal: nothing may reach AWS, so no console sign-in URL. */
  rehearsal?: string;
}

/**
 * The built-in runbooks as the console sees them, and the incident-id rule. The runbook data
 * modules are plain objects, but there are several of them, and the console's first frame
 * should not wait for them: they load when the operator first presses `!`. Never the catalog
 * (YAML) or the operations (SDK clients): those load only when a runbook runs.
 */
export async function loadRunbookOffer(): Promise<RunbookOffer> {
  const [{ BUILTIN_RUNBOOKS }, { INCIDENT_ID }, { checkParam }] = await Promise.all([
    import('../../runbooks/builtin/index.js'),
    import('../../core/audit.js'),
    import('../../runbooks/params.js'),
  ]);
  return {
    runbooks: consoleRunbooks(BUILTIN_RUNBOOKS),
    incidentId: INCIDENT_ID,
    paramError(ask, value) {
      try {
        checkParam({ ...ask, required: true }, value);
        return undefined;
      } catch (err) {
        return err instanceof Error ? `${err.message}.` : String(err);
      }
    },
  };
}

/** The roles whose cached sessions count for an account: its Identity Center roles, else the default role. */
function candidateRoles(ctx: OperatorContext, account: InventoryAccount): string[] {
  if (ctx.base.kind === 'sso') return account.roles ?? [];
  return [ctx.settings.defaultRole];
}

export function liveOperations(
  deps: Deps,
  initial: OperatorContext,
  opts: LiveOperationsOptions = {},
): ConsoleOperations {
  let ctx = initial;
  let listener: ((message: string) => void) | undefined;
  let offer: Promise<RunbookOffer> | undefined;
  // While the console is on screen, a line on stderr would tear the frame; it becomes a notice.
  const quiet: Deps = {
    ...deps,
    stderr: {
      isTTY: false,
      write(chunk: string) {
        const text = String(chunk)
          .trim()
          .replace(/^awsorg: /, '');
        if (text) listener?.(text);
        return true;
      },
    },
  };
  return {
    now: () => deps.clock.now(),
    sessionExpiry(account) {
      let latest: number | undefined;
      const now = deps.clock.now();
      for (const role of candidateRoles(ctx, account)) {
        const lookup = readCachedCredentials(deps.paths, { baseId: ctx.base.id, accountId: account.id, role }, now);
        if (lookup.kind !== 'hit') continue;
        const expiry = Date.parse(lookup.credentials.expiration);
        if (latest === undefined || expiry > latest) latest = expiry;
      }
      return latest;
    },
    openSession: (account) => openRoleSession(quiet, ctx, account),
    async signInUrl(session) {
      // The federation endpoint is AWS itself (signin.aws.amazon.com), which a rehearsal never reaches.
      if (opts.rehearsal) throw new AwsorgError(REHEARSAL_NO_URL.text, REHEARSAL_NO_URL.next);
      return consoleSignInUrl(quiet, session, ctx.settings, 'press e to print the exports instead');
    },
    openInBrowser(url) {
      const command = process.platform === 'darwin' ? 'open' : 'xdg-open';
      return new Promise((resolve, reject) => {
        const child = deps.spawn(command, [url], { stdio: 'ignore', detached: true });
        child.once('error', (err: NodeJS.ErrnoException) =>
          reject(
            new AwsorgError(
              `could not run ${command}: ${err.code === 'ENOENT' ? 'it is not installed' : err.message}`,
              'Copy the URL from the screen into your browser.',
            ),
          ),
        );
        child.once('spawn', () => {
          child.unref();
          resolve(command);
        });
      });
    },
    async reload(onProgress) {
      ctx = await loadOperatorContext(quiet, { refresh: true, onProgress });
      return consoleModel(deps, ctx, opts.rehearsal);
    },
    runbooks() {
      if (!offer) {
        offer = loadRunbookOffer();
        // A failed load is tried again on the next `!`.
        offer.catch(() => (offer = undefined));
      }
      return offer;
    },
    setNoticeListener(next) {
      listener = next;
    },
  };
}
