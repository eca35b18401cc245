/**
 * The wizard's root component. It owns the state, turns keys into intents (state.ts), carries
 * them out through WizardOperations, and folds the outcomes back in with the screens' event
 * functions. It exits Ink with what the runner must do next (quit, or open the console); it
 * never calls process.exit.
 *
 * Ink is passed in (`defineWizardApp(await import('ink'))`), as for the console: it is an ES
 * module with top-level await that the CommonJS bin can only load with a dynamic import().
 */
import { useCallback, useEffect, useMemo, useRef, useState, type ReactElement } from 'react';
import type { Key } from 'ink';
import type { ScreenSize } from '../console/app.js';
import { keyPresses, useScreenSize } from '../console/app.js';
import { palette } from '../console/style.js';
import { applyEvent, initialApply, REHEARSAL_NOT_KEPT, type ApplyEvent } from './apply.js';
import { doneEvent, initialDone, realRunStep } from './done.js';
import { editorEvent, initialEditor } from './editor.js';
import { renderWizard } from './frame.js';
import { initialMigrate, migrateEvent, type MigrateEvent } from './migrate.js';
import type { WizardOperations } from './operations.js';
import { planReady } from './plan.js';
import { signInEvent, signedIn } from './signin.js';
import { blueprintExists, wizardKey, type WizardIntent, type WizardState } from './state.js';
import type { KeyPress, Notice } from './types.js';
import { welcomeDetected } from './welcome.js';
import { terminalStyled } from '../../core/terminal-text.js';

export type WizardExit = ({ kind: 'quit'; code: number } | { kind: 'console' }) & {
  /** Printed after the screen is restored, so what matters outlives the alternate screen. */
  farewell?: string;
};

export interface WizardAppProps {
  initial: WizardState;
  ops: WizardOperations;
  color: boolean;
  screen: ScreenSize;
  /** Aborted on SIGTERM: the wizard quits (an apply in progress stops at a safe point first). */
  signal?: AbortSignal;
}

function errorNotice(err: unknown): Notice {
  const e = err as { message?: string; nextStep?: string };
  return { tone: 'error', text: e?.message ?? String(err), ...(e?.nextStep ? { next: e.nextStep } : {}) };
}

type InkModule = typeof import('ink');
const defined = new WeakMap<InkModule, (props: WizardAppProps) => ReactElement>();

export function defineWizardApp(ink: InkModule): (props: WizardAppProps) => ReactElement {
  const known = defined.get(ink);
  if (known) return known;
  const { Box, Text, useApp, useInput, useStdin } = ink;

  function WizardApp({ initial, ops, color, screen, signal }: WizardAppProps) {
    const { exit } = useApp();
    const { isRawModeSupported } = useStdin();
    const [state, setState] = useState(initial);
    const stateRef = useRef(state);
    const planView = useRef({ top: 0, page: 10 });
    const helpMaxTop = useRef(0);
    const stopApply = useRef<AbortController | undefined>(undefined);
    const blueprintFile = useRef<string | undefined>(undefined);
    const exited = useRef(false);
    const size = useScreenSize(screen);
    const p = useMemo(() => palette(color), [color]);

    const update = useCallback((fn: (s: WizardState) => WizardState) => {
      const next = fn(stateRef.current);
      stateRef.current = next;
      setState(next);
    }, []);
    const finish = useCallback(
      (result: WizardExit) => {
        if (exited.current) return;
        exited.current = true;
        ops.destroy();
        const farewell = farewellFor(stateRef.current);
        exit(farewell ? { ...result, farewell } : result);
      },
      [exit, ops],
    );

    // Detection runs after the first frame is drawn.
    useEffect(() => {
      const timer = setTimeout(() => {
        ops
          .detect()
          .then((d) => update((s) => ({ ...s, welcome: welcomeDetected(s.welcome, d) })))
          .catch((err: unknown) =>
            update((s) => ({
              ...s,
              welcome: welcomeDetected(s.welcome, { organization: { kind: 'unknown', reason: errorNotice(err).text } }),
              notice: errorNotice(err),
            })),
          );
      }, 0);
      return () => clearTimeout(timer);
    }, [ops, update]);

    useEffect(() => {
      if (!signal) return;
      const onAbort = () => {
        stopApply.current?.abort();
        finish({ kind: 'quit', code: 130 });
      };
      if (signal.aborted) onAbort();
      signal.addEventListener('abort', onAbort);
      return () => signal.removeEventListener('abort', onAbort);
    }, [signal, finish]);

    // Elapsed times move while applying.
    const applying =
      state.screen === 'apply' && (state.apply?.status === 'running' || state.apply?.status === 'stopping');
    useEffect(() => {
      if (!applying) return;
      const timer = setInterval(
        () => update((s) => (s.apply ? { ...s, apply: applyEvent(s.apply, { kind: 'tick', now: ops.now() }) } : s)),
        1000,
      );
      return () => clearInterval(timer);
    }, [applying, ops, update]);

    const onApply = (event: ApplyEvent) => update((s) => (s.apply ? { ...s, apply: applyEvent(s.apply, event) } : s));
    const onMigrate = (event: MigrateEvent) =>
      update((s) => (s.migrate ? { ...s, migrate: migrateEvent(s.migrate, event) } : s));

    const runPlan = (file: string) => {
      ops
        .plan(file, (text) => update((s) => ({ ...s, plan: { ...s.plan, progress: text } })))
        .then(({ plans, target }) => update((s) => ({ ...s, plan: planReady(s.plan, plans, target) })))
        .catch((err: unknown) =>
          update((s) => ({ ...s, plan: { ...s.plan, status: 'failed', error: errorNotice(err) } })),
        );
    };

    const inspect = (dir: string) => {
      ops
        .inspectMigration(dir)
        .then((info) => onMigrate({ kind: 'inspected', info }))
        .catch((err: unknown) => onMigrate({ kind: 'failed', error: errorNotice(err) }));
    };

    const perform = (intent: WizardIntent) => {
      switch (intent.kind) {
        case 'quit':
          stopApply.current?.abort();
          finish({ kind: 'quit', code: intent.code });
          return;
        case 'console':
          finish({ kind: 'console' });
          return;
        case 'resume':
          return;
        case 'signin':
          void ops.signIn(intent.intent, (event) => update((s) => ({ ...s, signin: signInEvent(s.signin, event) })));
          return;
        case 'open-blueprint': {
          const current = stateRef.current;
          ops.setAllowRoot(current.allowRoot);
          if (current.resume && current.welcome.detection?.interrupted) {
            // Resume: the interrupted run's blueprint, straight to its plan (Esc opens it in the editor).
            const file = current.welcome.detection.interrupted.blueprint;
            blueprintFile.current = file;
            update((s) => ({
              ...s,
              screen: 'plan',
              plan: { ...s.plan, status: 'planning', progress: `Resuming ${file}…` },
            }));
            ops
              .startingBlueprint(true)
              .then(({ blueprint, source }) =>
                update((s) =>
                  s.editor
                    ? s
                    : {
                        ...s,
                        editor: initialEditor({
                          blueprint,
                          source,
                          savePath: file,
                          ...identityFacts(s),
                          placeholders: ops.placeholders,
                        }),
                      },
                ),
              )
              .catch(() => undefined);
            runPlan(file);
            return;
          }
          if (current.editor) return;
          ops
            .startingBlueprint(false)
            .then(({ blueprint, source }) =>
              update((s) =>
                s.editor
                  ? s
                  : {
                      ...s,
                      editor: initialEditor({
                        blueprint,
                        source,
                        savePath: ops.relativePath(ops.blueprintPath),
                        ...identityFacts(s),
                        placeholders: ops.placeholders,
                      }),
                    },
              ),
            )
            .catch((err: unknown) => update((s) => ({ ...s, notice: errorNotice(err) })));
          return;
        }
        case 'editor': {
          const e = intent.intent;
          const toEditor = (fn: Parameters<typeof editorEvent>[1]) =>
            update((s) => (s.editor ? { ...s, editor: editorEvent(s.editor, fn) } : s));
          if (e.kind === 'check-bucket') {
            ops
              .checkBucket(e.bucket)
              .then((availability) => toEditor({ kind: 'bucket-checked', bucket: e.bucket, availability }))
              .catch((err: unknown) =>
                toEditor({
                  kind: 'bucket-checked',
                  bucket: e.bucket,
                  availability: { kind: 'unknown', reason: errorNotice(err).text },
                }),
              );
          } else if (e.kind === 'load-file') {
            ops
              .loadBlueprintFile(e.path)
              .then(({ path, blueprint }) => toEditor({ kind: 'loaded', path, blueprint }))
              .catch((err: unknown) => toEditor({ kind: 'load-failed', message: errorNotice(err).text }));
          } else {
            ops
              .saveBlueprint(e.path, e.blueprint, e.overwrite)
              .then((r) =>
                toEditor(
                  'exists' in r
                    ? { kind: 'save-failed', message: `${r.path} exists`, exists: true }
                    : { kind: 'saved', path: r.path },
                ),
              )
              .catch((err: unknown) =>
                toEditor({ kind: 'save-failed', message: errorNotice(err).text, exists: false }),
              );
          }
          return;
        }
        case 'plan': {
          // The plan is made from the saved file, exactly as `--config FILE` would read it.
          const editor = stateRef.current.editor;
          const path = editor ? editor.savePath.trim() : ops.relativePath(ops.blueprintPath);
          ops
            .saveBlueprint(path, intent.blueprint, intent.overwrite)
            .then((r) => {
              if ('exists' in r) {
                update((s) => blueprintExists(s, r.path));
                return;
              }
              blueprintFile.current = r.path;
              update((s) => ({
                ...s,
                notice: { tone: 'ok', text: `Saved the blueprint to ${r.path}.` },
                ...(s.editor ? { editor: editorEvent(s.editor, { kind: 'saved', path: r.path }) } : {}),
              }));
              runPlan(r.path);
            })
            .catch((err: unknown) =>
              update((s) => ({ ...s, plan: { ...s.plan, status: 'failed', error: errorNotice(err) } })),
            );
          return;
        }
        case 'replan':
          if (blueprintFile.current) runPlan(blueprintFile.current);
          return;
        case 'apply': {
          const controller = new AbortController();
          stopApply.current = controller;
          update((s) => ({
            ...s,
            screen: 'apply',
            notice: undefined,
            apply: initialApply({
              steps: ops.applySteps(),
              now: ops.now(),
              journal: ops.relativePath(ops.journalPath),
              resumeCommand: ops.resumeCommand(),
              rehearsal: Boolean(ops.rehearsal),
            }),
            migrate: s.migrate ?? initialMigrate(ops.terraformDir()),
          }));
          void ops.apply(onApply, controller.signal);
          return;
        }
        case 'stop':
          stopApply.current?.abort();
          return;
        case 'migrate': {
          const m = intent.intent;
          if (m.kind === 'inspect') inspect(m.dir || ops.terraformDir());
          else if (m.kind === 'create-sample') {
            ops
              .createSample((line) => onMigrate({ kind: 'output', line }))
              .then(() => inspect(m.dir || ops.terraformDir()))
              .catch((err: unknown) => onMigrate({ kind: 'failed', error: errorNotice(err) }));
          } else {
            ops
              .migrate(m.dir, (line) => onMigrate({ kind: 'output', line }))
              .then((verification) => {
                const afterMove = ops.afterMoveCheck();
                onMigrate({
                  kind: 'migrated',
                  ...(verification ? { verification } : {}),
                  ...(afterMove ? { afterMove } : {}),
                });
              })
              .catch((err: unknown) => onMigrate({ kind: 'failed', error: errorNotice(err) }));
          }
          return;
        }
        case 'keep-blueprint':
          ops
            .keepBlueprint(intent.overwrite)
            .then((r) =>
              update((s) =>
                s.done
                  ? {
                      ...s,
                      done: doneEvent(
                        s.done,
                        'exists' in r ? { kind: 'keep-exists', path: r.path } : { kind: 'kept', path: r.path },
                      ),
                    }
                  : s,
              ),
            )
            .catch((err: unknown) =>
              update((s) =>
                s.done ? { ...s, done: doneEvent(s.done, { kind: 'keep-failed', message: errorNotice(err).text }) } : s,
              ),
            );
          return;
        case 'finish':
          update((s) => ({ ...s, screen: 'done', notice: undefined, done: initialDone(ops.summary()) }));
          return;
      }
    };

    const onInput = (input: string, key: Key) => {
      for (const press of keyPresses(input, key)) onPress(press);
    };
    const onPress = (press: KeyPress) => {
      if (exited.current) return;
      const current = {
        ...stateRef.current,
        plan: { ...stateRef.current.plan, top: planView.current.top },
        planPage: planView.current.page,
        helpMaxTop: helpMaxTop.current,
      };
      const result = wizardKey(current, press);
      if (result.state !== current) {
        stateRef.current = result.state;
        setState(result.state);
      }
      if (result.intent) perform(result.intent);
    };
    const handlerRef = useRef(onInput);
    handlerRef.current = onInput;
    const stableHandler = useCallback((input: string, key: Key) => handlerRef.current(input, key), []);
    useInput(stableHandler, { isActive: isRawModeSupported === true });

    const frame = renderWizard(state, {
      width: size.columns,
      height: Math.max(1, size.rows - 1),
      palette: p,
      now: ops.now(),
    });
    if (frame.planTop !== undefined) planView.current = { top: frame.planTop, page: frame.planPage ?? 10 };
    helpMaxTop.current = frame.helpMaxTop ?? 0;
    return (
      <Box flexDirection="column" width={size.columns} height={frame.lines.length}>
        <Text>{frame.lines.map(terminalStyled).join('\n')}</Text>
      </Box>
    );
  }
  defined.set(ink, WizardApp);
  return WizardApp;
}

/** What the editor needs from the sign-in: the management account id and partition, for the trust-policy preview. */
function identityFacts(s: WizardState): { managementAccountId?: string; partition?: string } {
  const who = signedIn(s.signin)?.identity;
  if (!who) return {};
  return { managementAccountId: who.account, partition: who.arn.split(':')[1] ?? 'aws' };
}

/**
 * The lines that stay on the terminal after the wizard closes: how to resume, or what was made.
 * They print before the operator console opens and before a rehearsal's emulator stops, so they
 * never say the emulator is gone (the rehearsal command says so once it is).
 */
export function farewellFor(s: WizardState): string | undefined {
  const a = s.apply;
  if (s.screen === 'done' && s.done) {
    const d = s.done.summary;
    const kept = s.done.kept ?? (d.keepTarget ? undefined : d.blueprint);
    const blueprint = !d.rehearsal
      ? `  blueprint ${d.blueprint}: repeat headless with awsorg bootstrap --config ${d.blueprint} --plan`
      : kept
        ? `  blueprint ${kept}: run it for real with ${realRunStep(kept)}`
        : '  blueprint not kept (it was in the rehearsal workspace; press s on the last screen of a rehearsal to save it)';
    return [
      d.rehearsal
        ? 'awsorg: rehearsal complete: the first day ran end to end against the local emulator, and nothing reached AWS.'
        : `awsorg: organization ${d.organizationId ?? '?'} is bootstrapped.`,
      ...d.accounts.map(([name, id]) => `  account ${name.padEnd(20)} ${id}`),
      ...(d.state ? [`  state   ${d.state}`] : []),
      blueprint,
    ].join('\n');
  }
  if (
    a &&
    s.rehearsal &&
    (a.status === 'stopped' || a.status === 'stopping' || a.status === 'running' || a.status === 'failed')
  ) {
    const failed =
      a.status === 'failed'
        ? ` The apply failed${a.failure?.call ? ` at ${a.failure.call}` : ''}: ${a.failure?.message ?? ''}`
        : '';
    return `awsorg: rehearsal stopped.${failed} ${REHEARSAL_NOT_KEPT} Run ${a.resumeCommand} to rehearse again.`;
  }
  if (a && (a.status === 'stopped' || a.status === 'stopping' || a.status === 'running')) {
    return `awsorg: stopped safely. Progress is saved in ${a.journal}; to resume, run ${a.resumeCommand} and choose Resume.`;
  }
  if (a?.status === 'failed')
    return `awsorg: the apply failed${a.failure?.call ? ` at ${a.failure.call}` : ''}: ${a.failure?.message ?? ''}\nProgress is saved in ${a.journal}; fix the problem, then run ${a.resumeCommand} and choose Resume.`;
  return undefined;
}

/** Keys that arrive together are split the same way as in the console. */
export { keyPresses };
