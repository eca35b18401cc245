/**
 * Everything the wizard does outside its screen, bound to Deps: detection, the sign-in methods,
 * the bucket availability check, reading and saving the blueprint, and the bootstrap engine
 * (plan, apply, state migration). The wizard never calls AWS itself; it goes through here, and
 * bootstrap work goes through the same engine, journal and steps as the headless command.
 *
 * Credentials chosen on the sign-in screen stay in memory: they become the engine's session and,
 * for terraform, the child process's environment. Nothing here writes a secret to disk except
 * the Identity Center token, which goes to the AWS CLI's own cache (~/.aws/sso/cache), as
 * `aws sso login` and `awsorg login --sso` do.
 */
import {
  closeSync,
  constants,
  cpSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { awsCredentialsPath, readAwsConfig } from '../../aws/aws-config-file.js';
import { baseSignIn, describeBase } from '../../aws/base-signin.js';
import { resolveBaseCredentials } from '../../aws/credentials.js';
import { AwsSession, type AwsEvent } from '../../aws/session.js';
import type { WhoamiResult } from '../../aws/caller.js';
import { loadBlueprint as readBlueprintFile } from '../../core/blueprint-load.js';
import type { Blueprint, LoadedBlueprint } from '../../core/blueprint.js';
import type { Deps } from '../../aws/deps.js';
import { AwsCallError, AwsorgError, CancelledError, ValidationError } from '../../core/errors.js';
import { Journal, journalPathFor, parseJournal, type JournalData } from '../../core/journal.js';
import { blueprintYaml, preset } from '../../core/presets.js';
import { readSettings } from '../../core/settings.js';
import type { ApplyResult, BootstrapEngine, EngineListener, StepPlan } from '../../steps/engine.js';
import { partitionOf } from '../../steps/support.js';
import type { OrganizationState } from '../../steps/types.js';
import { locateTool, runTool, toolEnv, toolVersion, type ToolName } from '../../terraform/tool.js';
import type { ApplyEvent, ApplyFailure } from './apply.js';
import type { Summary } from './done.js';
import type { BucketAvailability } from './editor.js';
import type { HandoffCheck, HandoffInfo, MigrationInfo, ToolInfo, Verification } from './migrate.js';
import type { HandoffData } from '../../steps/terraform-handoff.js';
import type { SignInEvent, SignInIntent } from './signin.js';
import type { Detection, OrganizationFinding } from './welcome.js';

export const BLUEPRINT_FILE = 'awsorg.yaml';
const MEMBER_ROLE = 'OrganizationAccountAccessRole';
const SAMPLE_MAIN_TF =
  '# A sample bootstrap configuration written by the awsorg rehearsal, to practise the state move.\nresource "terraform_data" "bootstrap" {\n  input = "first day"\n}\n';

export interface WizardRehearsal {
  endpoint: string;
  /** Throw-away directory: the journal and the copy of the Terraform directory live here. */
  workspace: string;
}

export interface WizardOperationsOptions {
  rehearsal?: WizardRehearsal;
  /** Where the blueprint is saved (default ./awsorg.yaml). */
  blueprintPath?: string;
  /** --omit-tls-deny: leave the aws:SecureTransport statement out (emulators only; always on in a rehearsal). */
  omitTlsDeny?: boolean;
  /** --allow-placeholders: accept example.com emails and change-me names (emulators only; always on in a rehearsal). */
  allowPlaceholders?: boolean;
}

type Env = Record<string, string | undefined>;

/**
 * The engine, its steps and the Terraform migration load every AWS SDK client: they are loaded on
 * first use, after the first frame, never on the way to it.
 */
async function loadEngine() {
  const [engine, migrate, handoff, handoffFiles, trail, terraform, progress] = await Promise.all([
    import('../../steps/engine.js'),
    import('../../steps/migrate-state.js'),
    import('../../steps/terraform-handoff.js'),
    import('../../terraform/handoff/files.js'),
    import('../../steps/organization-trail.js'),
    import('../../terraform/migrate.js'),
    import('../progress.js'),
  ]);
  return {
    BootstrapEngine: engine.BootstrapEngine,
    STEPS: engine.STEPS,
    backendSettingsFor: migrate.backendSettingsFor,
    migrateStateStep: migrate.migrateStateStep,
    handoffVerifyStep: handoff.handoffVerifyStep,
    readHandoffManifest: handoffFiles.readHandoffManifest,
    stateRoleArn: migrate.stateRoleArn,
    trailArn: trail.trailArn,
    assessMigration: terraform.assessMigration,
    inspectMigration: terraform.inspectMigration,
    readRemoteState: terraform.readRemoteState,
    retryLine: progress.retryLine,
  };
}
type EngineModules = Awaited<ReturnType<typeof loadEngine>>;

async function describeCaller(session: AwsSession): Promise<WhoamiResult> {
  const { describeCaller } = await import('../../aws/caller.js');
  return describeCaller(session);
}

function message(err: unknown): { text: string; next?: string } {
  if (err instanceof ValidationError) return { text: err.message, ...(err.nextStep ? { next: err.nextStep } : {}) };
  if (err instanceof AwsorgError) return { text: err.message, ...(err.nextStep ? { next: err.nextStep } : {}) };
  return { text: err instanceof Error ? err.message : String(err) };
}

function organizationFinding(caller: WhoamiResult): OrganizationFinding {
  const org = caller.organization;
  switch (org.role) {
    case 'none':
      return { kind: 'none', account: caller.account };
    case 'management':
      return { kind: 'management', account: caller.account, id: org.id ?? '?' };
    case 'member':
      return {
        kind: 'member',
        account: caller.account,
        id: org.id ?? '?',
        managementAccountId: org.managementAccountId ?? '?',
      };
    default:
      return { kind: 'unknown', reason: org.reason ?? 'the organization could not be read' };
  }
}

export class WizardOperations {
  /** Where the wizard saves the blueprint: ./awsorg.yaml, or in a rehearsal its workspace. */
  readonly blueprintPath: string;
  /** The blueprint the wizard starts from when it exists (./awsorg.yaml), and where a rehearsal keeps its blueprint when asked. */
  readonly startingPath: string;
  readonly journalPath: string;
  /** The blueprint saved last, for a rehearsal to keep. */
  private lastSaved: Blueprint | undefined;
  private session: AwsSession | undefined;
  /** Credentials for terraform when they are not the environment's own (pasted keys, a profile, SSO, MFA). */
  private toolCredentials: Env | undefined;
  private via = '';
  private allowRoot = false;
  private loaded: LoadedBlueprint | undefined;
  private state: OrganizationState | undefined;
  private result: ApplyResult | undefined;
  private ssoRef: { startUrl: string; region: string } | undefined;
  private ssoAbort: AbortController | undefined;
  private migration: { status: string; target: string } | undefined;
  /** What the hand-off step did in the apply (terraform.handoff), for the State and Done screens. */
  private handoff: { dir: string; data?: HandoffData; done: boolean } | undefined;
  /** The hand-off's plan after the move. */
  private afterMove: HandoffCheck | undefined;
  private modules: EngineModules | undefined;

  private async engineModules(): Promise<EngineModules> {
    this.modules ??= await loadEngine();
    return this.modules;
  }

  private get m(): EngineModules {
    if (!this.modules) throw new AwsorgError('The bootstrap engine is not loaded yet.', 'Make the plan first.');
    return this.modules;
  }

  constructor(
    private readonly deps: Deps,
    private readonly opts: WizardOperationsOptions = {},
  ) {
    this.startingPath = resolve(deps.cwd, opts.blueprintPath ?? BLUEPRINT_FILE);
    // A rehearsal writes nothing where the operator works (a git checkout, say) unless asked: see keepBlueprint.
    this.blueprintPath =
      opts.rehearsal && !opts.blueprintPath ? join(opts.rehearsal.workspace, BLUEPRINT_FILE) : this.startingPath;
    this.journalPath = opts.rehearsal
      ? join(opts.rehearsal.workspace, 'awsorg.rehearsal.journal.json')
      : journalPathFor(this.blueprintPath, deps.cwd);
  }

  now(): number {
    return this.deps.clock.now();
  }

  get rehearsal(): string | undefined {
    return this.opts.rehearsal?.endpoint;
  }

  /** Whether the editor and the run accept placeholder values: only a rehearsal or --allow-placeholders does. */
  get placeholders(): 'allow' | 'refuse' {
    return this.opts.rehearsal || this.opts.allowPlaceholders ? 'allow' : 'refuse';
  }

  /** For the sign-in screen: what the current credentials are, and the profiles on offer. */
  signInChoices(): { currentLabel: string | undefined; profiles: string[]; ssoStartUrl?: string; ssoRegion?: string } {
    const { env, paths } = this.deps;
    const settings = readSettings(paths);
    const base = baseSignIn(env, settings);
    const config = readAwsConfig(env);
    const profiles = [...config.keys()]
      .flatMap((k) => (k === 'default' ? ['default'] : k.startsWith('profile ') ? [k.slice('profile '.length)] : []))
      .sort();
    const hasDefault = profiles.includes('default') || existsSync(awsCredentialsPath(env));
    const currentLabel = base.kind === 'default' && !hasDefault ? undefined : describeBase(base);
    return {
      currentLabel: this.opts.rehearsal ? `the emulator's dummy keys (${this.opts.rehearsal.endpoint})` : currentLabel,
      profiles,
      ...(settings.sso ? { ssoStartUrl: settings.sso.startUrl, ssoRegion: settings.sso.region } : {}),
    };
  }

  /** What exists: an interrupted run's journal, a blueprint file, and the organization the current credentials see. */
  async detect(): Promise<Detection> {
    const detection: Detection = { organization: { kind: 'unknown', reason: 'no credentials were found' } };
    if (existsSync(this.startingPath)) detection.blueprintFile = this.relative(this.startingPath);
    const journal = readJournal(this.journalPath);
    if (journal && !journal.completedAt && Object.keys(journal.changes).length > 0) {
      const entries = Object.values(journal.changes);
      detection.interrupted = {
        journal: this.relative(this.journalPath),
        blueprint: this.relative(journal.blueprint),
        done: entries.filter((c) => c.status === 'done').length,
        failed: entries.filter((c) => c.status === 'failed').length,
        inFlight: Object.entries(journal.changes)
          .filter(([, c]) => c.status === 'started')
          .map(([k]) => k),
        updatedAt: journal.updatedAt,
      };
    }
    if (this.signInChoices().currentLabel) {
      // A session of its own, so quitting the wizard cuts its retries short (see destroy).
      const session = this.newSession(resolveBaseCredentials(this.deps.env));
      try {
        detection.organization = organizationFinding(await describeCaller(session));
      } catch (err) {
        detection.organization = {
          kind: 'unknown',
          reason: `the current credentials could not be used (${message(err).text.split('\n')[0]})`,
        };
      } finally {
        session.destroy();
      }
    }
    return detection;
  }

  /** `path` relative to the working directory when it is inside it. */
  relativePath(path: string): string {
    return this.relative(path);
  }

  /** The command that offers Resume for this run. */
  resumeCommand(): string {
    return this.opts.rehearsal ? 'awsorg bootstrap --rehearse' : 'awsorg bootstrap';
  }

  private relative(path: string): string {
    const rel = relative(this.deps.cwd, path);
    return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
  }

  private newSession(
    credentials: AwsCredentialIdentityProvider | undefined,
    env: Env = { ...this.deps.env },
  ): AwsSession {
    const { deps } = this;
    return new AwsSession(
      {
        env,
        random: deps.random,
        sleep: (ms) => deps.clock.sleep(ms, AbortSignal.any([deps.signal, this.lifetime.signal])),
        onEvent: (e) => deps.awsEvents.emit(e),
      },
      { region: this.region(), ...(credentials ? { credentials } : {}) },
    );
  }

  private region(): string {
    return this.loaded?.blueprint.region ?? this.deps.env.AWS_REGION ?? this.deps.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  }

  /** Carry out a sign-in intent, reporting through `emit`. */
  async signIn(
    intent: Exclude<SignInIntent, { kind: 'continue' } | { kind: 'back' }>,
    emit: (event: SignInEvent) => void,
  ): Promise<void> {
    try {
      switch (intent.kind) {
        case 'sign-in': {
          emit({
            kind: 'busy',
            message: 'Checking who you are (sts:GetCallerIdentity, organizations:DescribeOrganization)…',
          });
          if (intent.method === 'current') {
            await this.adopt(
              this.deps.aws(),
              undefined,
              `current credentials (${this.signInChoices().currentLabel ?? 'default chain'})`,
              false,
              emit,
            );
          } else if (intent.method === 'profile') {
            const env: Env = {
              ...this.deps.env,
              AWS_PROFILE: intent.profile,
              AWS_ACCESS_KEY_ID: undefined,
              AWS_SECRET_ACCESS_KEY: undefined,
              AWS_SESSION_TOKEN: undefined,
            };
            const provider = resolveBaseCredentials(env);
            await this.adopt(this.newSession(provider, env), provider, `profile ${intent.profile}`, false, emit);
          } else {
            const keys: AwsCredentialIdentity = {
              accessKeyId: intent.accessKeyId,
              secretAccessKey: intent.secretAccessKey,
              ...(intent.sessionToken ? { sessionToken: intent.sessionToken } : {}),
            };
            const provider = async () => keys;
            await this.adopt(
              this.newSession(provider),
              provider,
              `pasted access keys (${intent.accessKeyId.slice(0, 4)}…${intent.accessKeyId.slice(-4)})`,
              false,
              emit,
            );
          }
          return;
        }
        case 'sso-start': {
          const { deviceFlowSignIn } = await import('../../aws/sso-oidc.js');
          const { listSsoAccounts, listSsoAccountRoles } = await import('../../aws/sso-portal.js');
          this.ssoAbort = new AbortController();
          const signal = AbortSignal.any([this.deps.signal, this.ssoAbort.signal]);
          const sso = { startUrl: intent.startUrl, region: intent.region };
          this.ssoRef = sso;
          emit({ kind: 'busy', message: `Starting the device sign-in with ${intent.startUrl}…` });
          const token = await deviceFlowSignIn({ ...this.deps, signal }, sso, {
            onPrompt: (p) =>
              emit({
                kind: 'sso-prompt',
                verificationUri: p.verificationUri,
                verificationUriComplete: p.verificationUriComplete,
                userCode: p.userCode,
                expiresAt: p.expiresAt,
              }),
          });
          emit({ kind: 'busy', message: 'Signed in. Listing the accounts and roles you can use (sso:ListAccounts)…' });
          const accounts = await listSsoAccounts(this.deps, sso, token);
          const withRoles = [];
          for (const a of accounts)
            withRoles.push({
              accountId: a.accountId,
              accountName: a.accountName,
              roles: await listSsoAccountRoles(this.deps, sso, token, a.accountId),
            });
          emit({ kind: 'sso-accounts', accounts: withRoles });
          return;
        }
        case 'sso-cancel':
          this.ssoAbort?.abort();
          return;
        case 'sso-pick': {
          const { ssoRoleCredentials } = await import('../../aws/sso-portal.js');
          if (!this.ssoRef)
            throw new AwsorgError('No Identity Center sign-in is in progress.', 'Choose IAM Identity Center again.');
          emit({
            kind: 'busy',
            message: `Getting ${intent.roleName} credentials in ${intent.accountId} (sso:GetRoleCredentials)…`,
          });
          const c = await ssoRoleCredentials(this.deps, this.ssoRef, intent.accountId, intent.roleName);
          const keys: AwsCredentialIdentity = {
            accessKeyId: c.accessKeyId,
            secretAccessKey: c.secretAccessKey,
            sessionToken: c.sessionToken,
            expiration: new Date(c.expiration),
          };
          const provider = async () => keys;
          await this.adopt(
            this.newSession(provider),
            provider,
            `IAM Identity Center (${intent.roleName} in ${intent.accountId})`,
            false,
            emit,
          );
          return;
        }
        case 'mfa': {
          const { GetSessionTokenCommand } = await import('@aws-sdk/client-sts');
          const base = this.session ?? this.deps.aws();
          emit({ kind: 'busy', message: 'Starting an MFA session (sts:GetSessionToken)…' });
          const out = await base.send(
            'sts',
            new GetSessionTokenCommand({ SerialNumber: intent.serial, TokenCode: intent.code, DurationSeconds: 3600 }),
          );
          const c = out.Credentials;
          if (!c?.AccessKeyId || !c.SecretAccessKey)
            throw new AwsorgError('sts:GetSessionToken returned no credentials.', 'Try again with a fresh code.');
          const keys: AwsCredentialIdentity = {
            accessKeyId: c.AccessKeyId,
            secretAccessKey: c.SecretAccessKey,
            sessionToken: c.SessionToken,
            expiration: c.Expiration,
          };
          const provider = async () => keys;
          await this.adopt(this.newSession(provider), provider, `${this.via} with MFA`, true, emit);
          return;
        }
      }
    } catch (err) {
      if (err instanceof CancelledError && intent.kind === 'sso-start')
        return emit({ kind: 'failed', message: 'The Identity Center sign-in was cancelled.' });
      const m = message(err);
      emit({ kind: 'failed', message: m.text, ...(m.next ? { next: m.next } : {}) });
    }
  }

  private async adopt(
    session: AwsSession,
    provider: AwsCredentialIdentityProvider | undefined,
    via: string,
    mfa: boolean,
    emit: (event: SignInEvent) => void,
  ): Promise<void> {
    const identity = await describeCaller(session);
    if (this.session && this.session !== session && this.session !== this.deps.aws()) this.session.destroy();
    this.session = session;
    this.via = via;
    this.toolCredentials = provider ? await credentialsEnv(provider) : undefined;
    const user = identity.principalType === 'iam-user' ? identity.arn.split('/').pop() : undefined;
    emit({
      kind: 'signed-in',
      result: {
        identity,
        via,
        mfa,
        ...(user
          ? { mfaSerialSuggestion: `arn:${partitionOf(identity.arn)}:iam::${identity.account}:mfa/${user}` }
          : {}),
      },
    });
  }

  setAllowRoot(allow: boolean): void {
    this.allowRoot = allow;
  }

  private requireSession(): AwsSession {
    if (!this.session) throw new AwsorgError('Not signed in.', 'Go back to the sign-in screen (Esc) and sign in.');
    return this.session;
  }

  /** The blueprint the editor starts from: the interrupted run's file, ./awsorg.yaml, or the standard preset. */
  async startingBlueprint(resume: boolean): Promise<{ blueprint: Blueprint; source: string }> {
    const journal = resume ? readJournal(this.journalPath) : undefined;
    const file =
      journal?.blueprint && existsSync(journal.blueprint)
        ? journal.blueprint
        : existsSync(this.startingPath)
          ? this.startingPath
          : undefined;
    if (file) {
      try {
        return {
          blueprint: (await readBlueprintFile(file, { allowPlaceholders: true })).blueprint,
          source: this.relative(file),
        };
      } catch {
        // An invalid file: the editor starts from the preset and the load row can try again.
      }
    }
    return { blueprint: preset('standard'), source: 'preset standard' };
  }

  /** HeadBucket: 200 yours, 404 free, 403 someone else's; a redirect (another region) is settled with ListBuckets. */
  async checkBucket(bucket: string): Promise<BucketAvailability> {
    const { HeadBucketCommand, ListBucketsCommand } = await import('@aws-sdk/client-s3');
    const session = this.requireSession();
    try {
      await session.send('s3', new HeadBucketCommand({ Bucket: bucket }));
      return { kind: 'owned' };
    } catch (err) {
      const code = err instanceof AwsCallError ? err.code : '';
      if (/^(NotFound|NoSuchBucket|404)$/.test(code)) return { kind: 'free' };
      if (/^(Forbidden|AccessDenied|403)$/.test(code)) return { kind: 'taken' };
      if (/^(301|PermanentRedirect|MovedPermanently)$/.test(code)) {
        try {
          const out = await session.send('s3', new ListBucketsCommand({}));
          return (out.Buckets ?? []).some((b) => b.Name === bucket) ? { kind: 'owned' } : { kind: 'taken' };
        } catch (inner) {
          return { kind: 'unknown', reason: message(inner).text };
        }
      }
      return { kind: 'unknown', reason: message(err).text };
    }
  }

  async loadBlueprintFile(path: string): Promise<{ path: string; blueprint: Blueprint }> {
    const file = resolve(this.deps.cwd, path);
    // Placeholders are let in here: the editor marks them as problems under their fields.
    return {
      path: this.relative(file),
      blueprint: (await readBlueprintFile(file, { allowPlaceholders: true })).blueprint,
    };
  }

  /** Writes the blueprint as YAML; refuses to replace an existing file unless `overwrite`. */
  async saveBlueprint(
    path: string,
    blueprint: Blueprint,
    overwrite: boolean,
  ): Promise<{ path: string } | { exists: true; path: string }> {
    const file = resolve(this.deps.cwd, path);
    const text = blueprintYaml(blueprint, [
      ' awsorg blueprint, saved by the bootstrap wizard.',
      ' Repeat the same run headless:',
      `   awsorg bootstrap --config ${this.relative(file)} --plan`,
      `   awsorg bootstrap --config ${this.relative(file)} --yes`,
    ]);
    try {
      writeFileSync(file, text, { encoding: 'utf8', flag: overwrite ? 'w' : 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        if (readFileSync(file, 'utf8') === text) return { path: this.relative(file) };
        return { exists: true, path: this.relative(file) };
      }
      throw err;
    }
    this.lastSaved = blueprint;
    return { path: this.relative(file) };
  }

  /** Rehearsal: the blueprint kept where the operator works (./awsorg.yaml); an existing, different file only with `overwrite`. */
  async keepBlueprint(overwrite: boolean): Promise<{ path: string } | { exists: true; path: string }> {
    if (!this.opts.rehearsal || !this.lastSaved)
      throw new AwsorgError(
        'There is no rehearsal blueprint to keep.',
        'Save the blueprint on the blueprint screen first.',
      );
    return this.saveBlueprint(this.startingPath, this.lastSaved, overwrite);
  }

  /** True when the file is in the rehearsal's workspace, which goes when the wizard closes. */
  private inWorkspace(file: string): boolean {
    const workspace = this.opts.rehearsal?.workspace;
    if (!workspace) return false;
    const rel = relative(workspace, resolve(this.deps.cwd, file));
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  }

  /**
   * Load the saved blueprint the way `--config` does. In a rehearsal the Terraform directory is
   * copied into the workspace, so the real one and its state are never touched.
   */
  private async prepare(file: string): Promise<LoadedBlueprint> {
    // The workspace copy's relative paths (policy files, terraform.dir) mean what they would in ./awsorg.yaml.
    const loaded = await readBlueprintFile(file, {
      ...(this.inWorkspace(file) ? { baseDir: this.deps.cwd } : {}),
      allowPlaceholders: this.placeholders === 'allow',
    });
    const rehearsal = this.opts.rehearsal;
    const tf = loaded.blueprint.terraform;
    this.writtenTerraformDir = tf?.dir;
    this.rehearsalDirAsWritten ??= tf?.dir;
    if (!rehearsal || !tf) {
      this.loaded = loaded;
      return loaded;
    }
    const source = resolve(loaded.baseDir, tf.dir);
    const copy = join(rehearsal.workspace, 'terraform');
    if (existsSync(source) && !existsSync(copy)) cpSync(source, copy, { recursive: true });
    this.loaded = {
      ...loaded,
      baseDir: rehearsal.workspace,
      blueprint: { ...loaded.blueprint, terraform: { ...tf, dir: './terraform' } },
    };
    return this.loaded;
  }

  private engine(
    loaded: LoadedBlueprint,
    journal: Journal,
    signal: AbortSignal,
    steps = this.m.STEPS,
  ): BootstrapEngine {
    return new this.m.BootstrapEngine({
      loaded,
      session: this.requireSession(),
      journal,
      clock: this.deps.clock,
      signal,
      options: {
        allowRoot: this.allowRoot,
        memberRoleName: MEMBER_ROLE,
        omitTlsDenyStatement: Boolean(this.opts.rehearsal || this.opts.omitTlsDeny),
      },
      spawn: this.deps.spawn,
      env: this.toolEnvironment(),
      steps,
      ...(this.state ? { state: this.state } : {}),
    });
  }

  private toolEnvironment(): Env {
    return this.toolCredentials ? { ...this.deps.env, ...this.toolCredentials } : this.deps.env;
  }

  /** The engine's plan of the saved blueprint (read-only journal: nothing is written). */
  async plan(file: string, onProgress: (text: string) => void): Promise<{ plans: StepPlan[]; target: string }> {
    await this.engineModules();
    const loaded = await this.prepare(resolve(this.deps.cwd, file));
    const journal = await Journal.open(this.journalPath, {
      readOnly: true,
      blueprint: loaded.file ?? file,
      now: new Date(this.now()),
    });
    const engine = this.engine(loaded, journal, this.deps.signal);
    const plans = await engine.plan({ stepStarted: (step) => onProgress(`Reading: ${step.title}…`) });
    this.state = engine.state;
    const who = engine.state.identity;
    return { plans, target: `account ${who?.account ?? '?'} as ${who?.arn ?? '?'}` };
  }

  /**
   * The steps apply runs: all but the state migration and the hand-off's check after it, which
   * the State screen runs. The hand-off itself (code, imports into the local state) runs here.
   */
  private applyPhase() {
    return this.m.STEPS.filter((s) => s !== this.m.migrateStateStep && s !== this.m.handoffVerifyStep);
  }

  applySteps(): { id: string; title: string }[] {
    const loaded = this.loaded;
    return this.applyPhase()
      .filter((s) => !loaded || s.enabled(loaded))
      .map((s) => ({ id: s.id, title: s.title }));
  }

  /** Apply every step but the state migration, reporting progress; resolves when done, stopped or failed. */
  async apply(emit: (event: ApplyEvent) => void, stop: AbortSignal): Promise<void> {
    const at = () => this.now();
    const loaded = this.loaded;
    if (!loaded) throw new AwsorgError('There is no plan to apply.', 'Go back to the plan.');
    const signal = AbortSignal.any([this.deps.signal, stop]);
    const off = this.deps.awsEvents.add(
      (e: AwsEvent) => e.type === 'retry' && emit({ kind: 'retry', text: this.m.retryLine(e), at: at() }),
    );
    let failedCall: string | undefined;
    let journal: Journal | undefined;
    try {
      // The journal's lock is held for the whole apply: a headless run on the same blueprint is refused meanwhile.
      journal = await Journal.open(this.journalPath, {
        readOnly: false,
        blueprint: loaded.file ?? this.blueprintPath,
        now: new Date(at()),
        command: 'awsorg bootstrap (the wizard)',
      });
      const engine = this.engine(loaded, journal, signal, this.applyPhase());
      this.handoff = undefined;
      const listener: EngineListener = {
        stepStarted: (step, phase) => emit({ kind: 'step-phase', id: step.id, phase, at: at() }),
        stepPlanned: (step, plan) => {
          if (step.id === 'terraform-handoff' && loaded.blueprint.terraform) {
            const dir = resolve(loaded.baseDir, loaded.blueprint.terraform.dir);
            this.handoff = {
              dir,
              ...(plan.changes[0] ? { data: plan.changes[0].data as HandoffData } : {}),
              done: false,
            };
          }
          emit({ kind: 'step-planned', id: step.id, changes: plan.changes.length });
        },
        changeStarted: (step, change) =>
          emit({
            kind: 'change-started',
            key: change.key,
            step: step.id,
            call: change.calls[0] ?? '',
            summary: change.summary,
            at: at(),
          }),
        changeNote: (_s, change, text) => emit({ kind: 'change-note', key: change.key, message: text }),
        changeDone: (_s, change, ms) => emit({ kind: 'change-done', key: change.key, elapsedMs: ms }),
        changeFailed: (_s, change, error) => {
          failedCall = change.calls[0];
          emit({ kind: 'change-failed', key: change.key, message: message(error).text });
        },
        stepDone: (step, ms) => {
          // The step returns only once its plan was checked to be imports only and applied (or found nothing to do).
          if (step.id === 'terraform-handoff' && this.handoff) this.handoff.done = true;
          emit({ kind: 'step-done', id: step.id, elapsedMs: ms });
        },
      };
      await engine.begin();
      for (const step of engine.enabledSteps()) {
        if (signal.aborted) throw new CancelledError('Stopped between steps.');
        await engine.applyStep(step, listener);
      }
      this.result = await engine.finish();
      this.state = engine.state;
      emit({ kind: 'finished', at: at() });
    } catch (err) {
      if (err instanceof CancelledError || signal.aborted) return emit({ kind: 'stopped', at: at() });
      const m = message(err);
      const call = failedCall ?? (err instanceof AwsCallError ? `${err.service}:${err.action}` : undefined);
      const failure: ApplyFailure = { message: m.text, ...(call ? { call } : {}), ...(m.next ? { next: m.next } : {}) };
      emit({ kind: 'failed', failure, at: at() });
    } finally {
      off();
      await journal?.close();
    }
  }

  /** The Terraform directory the blueprint names, as written. */
  terraformDir(): string {
    return this.writtenTerraformDir ?? this.loaded?.blueprint.terraform?.dir ?? './bootstrap';
  }

  /** `terraform.dir` as the blueprint file writes it (a rehearsal points the loaded copy into its workspace). */
  private writtenTerraformDir: string | undefined;

  /** Tools, the directory and what its local state holds, against the state bucket. Read-only. */
  async inspectMigration(dirAsWritten: string): Promise<MigrationInfo> {
    await this.engineModules();
    const loaded = await this.withTerraformDir(dirAsWritten);
    const backend = this.m.backendSettingsFor(loaded.blueprint);
    const dir = resolve(loaded.baseDir, loaded.blueprint.terraform?.dir ?? dirAsWritten);
    const tools: ToolInfo[] = [];
    for (const name of ['terraform', 'tofu'] as ToolName[]) {
      const tool = locateTool(name, this.deps.env);
      if (!tool) continue;
      const version = await toolVersion(tool, {
        env: toolEnv(this.deps.env),
        spawn: this.deps.spawn,
        cwd: this.deps.cwd,
        signal: this.deps.signal,
      }).catch(() => undefined);
      tools.push({ name, path: tool.path, ...(version ? { version } : {}) });
    }
    const choice = loaded.blueprint.terraform?.tool ?? 'auto';
    const chosen =
      choice === 'auto' ? locateTool('auto', this.deps.env)?.name : tools.find((t) => t.name === choice)?.name;
    // A rehearsal works on a copy in its workspace; with nothing there, the directory looked for is the operator's own.
    const inWorkspace = Boolean(this.opts.rehearsal) && existsSync(dir);
    const shownDir = this.opts.rehearsal && !inWorkspace ? resolve(this.deps.cwd, dirAsWritten) : dir;
    const handoff = this.handoffInfo(dir);
    const base = {
      dir: dirAsWritten,
      absolute: shownDir,
      ...(inWorkspace ? { inWorkspace } : {}),
      tools,
      ...(chosen ? { chosen } : {}),
      target: backend ? `s3://${backend.bucket}/${backend.key}` : '(no stateBackend in the blueprint)',
      canCreateSample: false,
      ...(handoff ? { handoff } : {}),
    };
    if (!backend)
      return {
        ...base,
        finding: {
          kind: 'refused',
          reason: 'the blueprint has no stateBackend, so there is no bucket to move the state into',
          next: 'Add a state bucket on the blueprint screen.',
        },
      };
    if (!existsSync(dir))
      return { ...base, canCreateSample: Boolean(this.opts.rehearsal), finding: { kind: 'missing-dir' } };
    const account = loaded.blueprint.stateBackend?.account ?? 'management';
    const session = this.stateAccountSession(account);
    // As the migrate-state step does: a bucket in a member account is reached through its role,
    // and backend.tf names that role, so it is no difference to report.
    const roleArn = this.state
      ? this.m.stateRoleArn(
          {
            state: this.state,
            options: { allowRoot: this.allowRoot, memberRoleName: MEMBER_ROLE, omitTlsDenyStatement: false },
          },
          account,
        )
      : undefined;
    if (roleArn) backend.roleArn = roleArn;
    const inspection = await this.m.inspectMigration(dir, backend, () => this.m.readRemoteState(session, backend));
    const assessment = this.m.assessMigration(inspection, backend);
    switch (assessment.action) {
      case 'migrate':
        return {
          ...base,
          finding: {
            kind: 'local',
            lineage: assessment.local.lineage,
            serial: assessment.local.serial,
            resources: countResources(assessment.local.bytes),
          },
        };
      case 'already-migrated':
        return {
          ...base,
          finding: { kind: 'already-migrated', lineage: assessment.remote.lineage, serial: assessment.remote.serial },
        };
      // The state is in the bucket; only backend.tf's settings (lock, role) change: the wizard's
      // apply leaves the migrate-state step to this screen, so this screen applies it.
      case 'reconfigure':
        return {
          ...base,
          finding: {
            kind: 'reconfigure',
            lineage: assessment.remote.lineage,
            serial: assessment.remote.serial,
            changes: assessment.changes,
          },
        };
      case 'no-local-state':
        return { ...base, canCreateSample: Boolean(this.opts.rehearsal), finding: { kind: 'no-local-state' } };
      case 'refuse':
        return { ...base, finding: { kind: 'refused', reason: assessment.reason, next: assessment.nextStep } };
    }
  }

  /** What the apply's hand-off step wrote into `dir` and imported; undefined when it did not run there. */
  private handoffInfo(dir: string): HandoffInfo | undefined {
    const h = this.handoff;
    if (!h || h.dir !== dir) return undefined;
    const d = h.data;
    const choice = d?.tool ?? this.loaded?.blueprint.terraform?.tool ?? 'auto';
    const tool = locateTool(choice, this.deps.env)?.name ?? (choice === 'auto' ? 'terraform' : choice);
    let files: HandoffInfo['files'];
    if (d?.files) {
      const f = d.files;
      files = [
        ...f.create.map((name) => ({ name, action: 'created' as const })),
        ...f.update.map((name) => ({ name, action: 'updated' as const })),
        ...f.unchanged.map((name) => ({ name, action: 'unchanged' as const })),
        ...f.remove.map((name) => ({ name, action: 'removed' as const })),
      ];
    } else {
      // Nothing to do this run: the files are the ones awsorg wrote earlier (its manifest).
      try {
        files = [...this.m.readHandoffManifest(dir).files.keys()]
          .sort()
          .map((name) => ({ name, action: 'unchanged' as const }));
      } catch {
        files = [];
      }
    }
    const pipeline = d?.pipeline;
    return {
      dir: this.terraformDir(),
      tool,
      files,
      ...(pipeline
        ? {
            pipeline: {
              path: pipeline.relPath,
              action:
                pipeline.action === 'create' ? 'written' : pipeline.action === 'update' ? 'updated' : pipeline.action,
            },
          }
        : {}),
      imports: d?.imports.length ?? 0,
      forgotten: d?.forget.length ?? 0,
      checked: h.done,
    };
  }

  /** The hand-off's `plan` after the move, once migrate ran it. */
  afterMoveCheck(): HandoffCheck | undefined {
    return this.afterMove;
  }

  /** The session that reaches the state bucket: the management account's, or the member role in the account holding it. */
  private stateAccountSession(account: string): AwsSession {
    if (account === 'management') return this.requireSession();
    const id = this.state?.accountIds.get(account);
    if (!id)
      throw new AwsorgError(
        `Account ${account}, which holds the state bucket, does not exist yet.`,
        'Apply the plan first.',
      );
    return this.requireSession().assumeRole(
      `arn:${partitionOf(this.state?.identity?.arn)}:iam::${id}:role/${MEMBER_ROLE}`,
      'awsorg-bootstrap',
    );
  }

  /**
   * The loaded blueprint with `terraform.dir` set to `dir`. A changed directory is saved into the
   * blueprint file too, so the headless rerun migrates the same directory.
   */
  private async withTerraformDir(dir: string): Promise<LoadedBlueprint> {
    let loaded = this.loaded;
    if (!loaded) throw new AwsorgError('There is no blueprint loaded.', 'Go back to the blueprint screen.');
    const tf = loaded.blueprint.terraform;
    const current = this.opts.rehearsal ? undefined : tf?.dir;
    if (!this.opts.rehearsal && current !== dir) {
      const file = loaded.file ?? this.blueprintPath;
      // Read only to rewrite terraform.dir; prepare() below validates with this run's placeholder policy.
      const original = await readBlueprintFile(file, { allowPlaceholders: this.placeholders === 'allow' });
      const blueprint: Blueprint = {
        ...original.blueprint,
        terraform: { ...tf, key: tf?.key ?? 'bootstrap/terraform.tfstate', tool: tf?.tool ?? 'auto', dir },
      };
      await this.saveBlueprint(file, blueprint, true);
      loaded = await this.prepare(file);
    }
    if (this.opts.rehearsal && tf && dir !== this.rehearsalDirAsWritten) {
      // A different directory in a rehearsal: copy it (from the real working directory) into the workspace.
      const source = resolve(this.deps.cwd, dir);
      const copy = join(this.opts.rehearsal.workspace, 'terraform');
      if (existsSync(source)) cpSync(source, copy, { recursive: true, force: true });
      this.rehearsalDirAsWritten = dir;
    }
    return loaded;
  }

  private rehearsalDirAsWritten: string | undefined;

  /** Rehearsal only: a small configuration with local state (terraform_data), applied locally, to practise the move. */
  async createSample(onOutput: (line: string) => void): Promise<void> {
    const loaded = this.loaded;
    if (!this.opts.rehearsal || !loaded) throw new AwsorgError('A sample directory is offered only in a rehearsal.');
    const dir = resolve(loaded.baseDir, loaded.blueprint.terraform?.dir ?? './terraform');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'main.tf'), SAMPLE_MAIN_TF);
    const tool = locateTool(loaded.blueprint.terraform?.tool ?? 'auto', this.deps.env);
    if (!tool)
      throw new AwsorgError(
        'Neither terraform nor tofu is on PATH.',
        'Install one (https://developer.hashicorp.com/terraform/install or https://opentofu.org/docs/intro/install/) and press n again.',
      );
    const env = toolEnv(this.deps.env, { TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' });
    for (const args of [
      ['init', '-input=false', '-no-color'],
      ['apply', '-auto-approve', '-input=false', '-no-color'],
    ]) {
      onOutput(`$ ${tool.name} ${args.join(' ')}`);
      const r = await runTool(tool, args, {
        cwd: dir,
        env,
        spawn: this.deps.spawn,
        signal: this.deps.signal,
        onLine: (l) => l.trim() && onOutput(l),
      });
      if (r.code !== 0)
        throw new AwsorgError(`${tool.name} ${args[0]} failed with exit code ${r.code}.`, 'Read the output above.');
    }
  }

  /** Run the migration step of the engine in `dir`, then read the bucket back to compare lineage and serial. */
  async migrate(dir: string, onOutput: (line: string) => void): Promise<Verification | undefined> {
    await this.engineModules();
    const loaded = await this.withTerraformDir(dir);
    const backend = this.m.backendSettingsFor(loaded.blueprint);
    if (!backend) throw new AwsorgError('The blueprint has no stateBackend.');
    const journal = await Journal.open(this.journalPath, {
      readOnly: false,
      blueprint: loaded.file ?? this.blueprintPath,
      now: new Date(this.now()),
      command: 'awsorg bootstrap (the wizard)',
    });
    const engine = this.engine(loaded, journal, this.deps.signal, [this.m.migrateStateStep, this.m.handoffVerifyStep]);
    let local: { lineage: string; serial: number } | undefined;
    let backup: string | undefined;
    let changed = false;
    await engine
      .applyStep(this.m.migrateStateStep, {
        stepPlanned: (_s, plan) => {
          const change = plan.changes[0];
          const data = change?.data as { lineage: string; serial: number } | undefined;
          // A reconfigure rewrites backend.tf only: no local state moves, so there is nothing to compare.
          if (data && !change?.calls[0]?.endsWith(':init -reconfigure'))
            local = { lineage: data.lineage, serial: data.serial };
          for (const note of plan.notes) onOutput(note);
        },
        changeStarted: (_s, change) => {
          changed = true;
          onOutput(`${change.calls[0]}: ${change.summary}`);
        },
        changeNote: (_s, _c, text) => {
          const m = /backup (\S+)$/.exec(text);
          if (m) backup = m[1];
          onOutput(text);
        },
      })
      .then(async () => {
        // With the hand-off: plan again, now against the bucket; it must find nothing to do.
        const handoffDir = loaded.blueprint.terraform
          ? resolve(loaded.baseDir, loaded.blueprint.terraform.dir)
          : undefined;
        this.afterMove = undefined;
        if (!this.handoff || this.handoff.dir !== handoffDir || !this.m.handoffVerifyStep.enabled(loaded)) return;
        onOutput('plan -detailed-exitcode against the bucket (it must find no changes)');
        try {
          await engine.applyStep(this.m.handoffVerifyStep);
          this.afterMove = { ok: true, text: `the state is in s3://${backend.bucket}/${backend.key}` };
        } catch (err) {
          const m = message(err);
          this.afterMove = { ok: false, text: m.text, ...(m.next ? { next: m.next } : {}) };
        }
      })
      .finally(() => journal.close());
    this.migration = {
      status: local ? 'migrated' : changed ? 'reconfigured' : 'unchanged',
      target: `s3://${backend.bucket}/${backend.key}`,
    };
    if (!local) return undefined;
    const account = loaded.blueprint.stateBackend?.account ?? 'management';
    const session = this.stateAccountSession(account);
    const remote = await this.m.readRemoteState(session, backend);
    if (remote.kind !== 'present')
      throw new AwsorgError(
        `After the migration, s3://${backend.bucket}/${backend.key} holds no state (${remote.kind}).`,
        'Run `awsorg state migrate --config awsorg.yaml` to see what stops the migration.',
      );
    return {
      local,
      remote: { lineage: remote.state.lineage, serial: remote.state.serial },
      ...(backup ? { backup } : {}),
    };
  }

  /** What was created, with ids, for the done screen. */
  summary(): Summary {
    const state = this.result?.state ?? this.state;
    const loaded = this.loaded;
    const b = loaded?.blueprint;
    const partition = partitionOf(state?.identity?.arn);
    const management = state?.managementAccountId ?? state?.identity?.account;
    const ciAccount =
      b?.ciOidc?.account && b.ciOidc.account !== 'management' ? state?.accountIds.get(b.ciOidc.account) : management;
    const changesApplied = this.result?.steps.reduce((n, s) => n + s.applied.length, 0) ?? 0;
    return {
      ...(state?.organizationId ? { organizationId: state.organizationId } : {}),
      ...(management ? { managementAccountId: management } : {}),
      ...(state?.rootId ? { rootId: state.rootId } : {}),
      organizationalUnits: [...(state?.ouIds ?? new Map<string, string>())],
      accounts: [...(state?.accountIds ?? new Map<string, string>())],
      ...(b?.stateBackend
        ? {
            stateBucket: b.stateBackend.bucket,
            ...(b.stateBackend.table && b.stateBackend.lock !== 'lockfile' ? { lockTable: b.stateBackend.table } : {}),
          }
        : {}),
      ...(b?.ciOidc ? { deployRole: `arn:${partition}:iam::${ciAccount ?? '?'}:role/${b.ciOidc.roleName}` } : {}),
      ...(b?.organizationTrail && loaded ? { trail: this.m.trailArn(loaded, partition, management) } : {}),
      ...(this.migration
        ? {
            state: `${this.migration.target}${this.migration.status === 'migrated' ? ' (migrated and verified)' : this.migration.status === 'reconfigured' ? ' (backend.tf reconfigured)' : ''}`,
          }
        : {}),
      ...(this.handoff ? { terraformCode: this.codeSummary(this.handoff.dir) } : {}),
      blueprint: this.relative(loaded?.file ?? this.blueprintPath),
      ...(this.inWorkspace(loaded?.file ?? this.blueprintPath) ? { keepTarget: this.relative(this.startingPath) } : {}),
      journal: this.opts.rehearsal ? '(rehearsal workspace, removed on exit)' : this.relative(this.journalPath),
      changesApplied,
      rehearsal: Boolean(this.opts.rehearsal),
    };
  }

  private codeSummary(dir: string): NonNullable<Summary['terraformCode']> {
    const h = this.handoffInfo(dir)!;
    const before = h.checked ? 'no changes before the move' : 'not checked before the move';
    const after = !this.afterMove
      ? 'not run after it (the state was not moved here)'
      : this.afterMove.ok
        ? 'no changes after it'
        : 'CHANGES after it (see the State screen)';
    return {
      dir: this.inWorkspace(dir) ? `${h.dir} (workspace copy)` : h.dir,
      files: h.files.filter((f) => f.action !== 'removed').length,
      imports: h.imports,
      ...(h.pipeline ? { pipeline: h.pipeline.path } : {}),
      plan: `${h.tool} plan: ${before}, ${after}`,
      ok: h.checked && this.afterMove?.ok === true,
    };
  }

  /** The wizard closed: cut short the backoff of calls still in flight (detection, a sign-in). */
  destroy(): void {
    this.ssoAbort?.abort();
    this.lifetime.abort();
  }

  private readonly lifetime = new AbortController();
}

/** The journal for detection, or undefined; a corrupt one is refused with its problems when apply opens it. */
function readJournal(path: string): JournalData | undefined {
  let fd: number | undefined;
  try {
    // O_NONBLOCK and a regular file only: a FIFO planted as the journal would block this read, and the wizard with it, forever.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    if (!fstatSync(fd).isFile()) return undefined;
    return parseJournal(readFileSync(fd, 'utf8'), path);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

async function credentialsEnv(provider: AwsCredentialIdentityProvider): Promise<Env> {
  const c = await provider();
  return {
    AWS_ACCESS_KEY_ID: c.accessKeyId,
    AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
    AWS_SESSION_TOKEN: c.sessionToken,
    AWS_PROFILE: undefined,
    AWS_DEFAULT_PROFILE: undefined,
  };
}

function countResources(bytes: Buffer): number {
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as { resources?: unknown[] };
    return doc.resources?.length ?? 0;
  } catch {
    return 0;
  }
}
