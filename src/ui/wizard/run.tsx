/**
 * The wizard's lifecycle: draw it on stderr in the alternate screen, restore the screen on any
 * exit, print what must outlive it (how to resume, what was created), and open the operator
 * console when the operator asks for it on the last screen.
 */
import type { Deps } from '../../aws/deps.js';
import { colorWanted, systemTerminal, type ConsoleTerminal } from '../console/run.js';
import { defineWizardApp, type WizardExit } from './app.js';
import type { WizardOperations } from './operations.js';
import { initialWizard } from './state.js';
import { terminalLines } from '../../core/terminal-text.js';

const ENTER_ALTERNATE_SCREEN = '\u001B[?1049h\u001B[H';
const LEAVE_ALTERNATE_SCREEN = '\u001B[?1049l';

export async function runWizard(
  deps: Deps,
  ops: WizardOperations,
  terminal: ConsoleTerminal = systemTerminal(deps),
): Promise<number> {
  const ink = await import('ink');
  const WizardApp = defineWizardApp(ink);
  const out = terminal.output;
  const input = terminal.openInput();
  const rehearsal = ops.rehearsal;
  const initial = initialWizard({ signin: ops.signInChoices(), ...(rehearsal ? { rehearsal } : {}) });
  let result: WizardExit;
  if (terminal.alternateScreen) out.write(ENTER_ALTERNATE_SCREEN);
  try {
    const instance = ink.render(
      <WizardApp initial={initial} ops={ops} color={colorWanted(deps.env)} screen={out} signal={deps.signal} />,
      {
        stdout: out,
        stderr: out,
        stdin: input,
        exitOnCtrlC: false,
        patchConsole: false,
        ...terminal.renderOptions,
      },
    );
    result = (await instance.waitUntilExit()) as WizardExit;
  } finally {
    terminal.closeInput(input);
    if (terminal.alternateScreen) out.write(LEAVE_ALTERNATE_SCREEN);
  }
  if (result.farewell) deps.stderr.write(`${terminalLines(result.farewell)}\n`);
  if (result.kind === 'console') {
    const { openConsole } = await import('../console/open.js');
    return openConsole(deps, { quiet: true, ...(rehearsal ? { rehearsal } : {}) });
  }
  return result.code;
}
