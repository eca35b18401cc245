/**
 * Shell completion end to end: the generated bash script sourced in a real bash, with
 * COMP_WORDS/COMP_CWORD set as bash sets them, calling the built CLI through `awsorg` on PATH.
 * Candidates come from the cached inventory only: `__complete` runs with every AWS SDK module
 * made unloadable and no endpoint at all.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { writeInventory } from '../../src/inventory/cache.js';
import { xdgPaths } from '../../src/core/xdg.js';
import { CLI, isolatedEnv, REPO_ROOT, runCli, tempDir } from '../helpers/cli.js';
import { TmuxSession } from '../helpers/tmux.js';
import { requireShell, skipWithout } from '../helpers/shells.js';

const exec = promisify(execFile);

const ACCOUNTS = [
  { id: '111111111111', name: 'Production' },
  { id: '222222222222', name: 'Sandbox Alice' },
  { id: '333333333333', name: 'Sandbox Bob' },
  { id: '444444444444', name: "O'Brien & Co" },
];

/**
 * Names whose completion must go in as literal text: typed after an opening quote, each one
 * would run `touch PWNED` or leave a quote open if inserted as it is.
 */
const HOSTILE = [
  { id: '555555555555', name: '$(touch PWNED)' },
  { id: '666666666666', name: "a';touch PWNED;'" },
  { id: '777777777777', name: 'b"$(touch PWNED)"!x' },
  { id: '888888888888', name: '`touch PWNED`' },
  { id: '999999999999', name: "c'" },
  { id: '101010101010', name: 'd"' },
  { id: '121212121212', name: 'e!' },
  { id: '131313131313', name: "xa';touch PWNED;'" },
];

/** What is typed after `awsorg assume `, and the one account name Tab must complete it to. */
const QUOTED_WORDS: { shells: string[]; typed: string; name: string }[] = [
  // In zsh and fish, "$( opens a command substitution, where they complete command names.
  { shells: ['bash'], typed: '"$(', name: '$(touch PWNED)' },
  { shells: ['bash', 'zsh', 'fish'], typed: "'$", name: '$(touch PWNED)' },
  { shells: ['bash', 'zsh', 'fish'], typed: "'a", name: "a';touch PWNED;'" },
  { shells: ['bash', 'zsh', 'fish'], typed: '"b', name: 'b"$(touch PWNED)"!x' },
  { shells: ['bash', 'zsh', 'fish'], typed: "'`", name: '`touch PWNED`' },
  { shells: ['bash', 'zsh', 'fish'], typed: "'c", name: "c'" },
  { shells: ['bash', 'zsh', 'fish'], typed: '"d', name: 'd"' },
  { shells: ['bash', 'zsh', 'fish'], typed: '"e', name: 'e!' },
  { shells: ['bash', 'zsh', 'fish'], typed: 'b', name: 'b"$(touch PWNED)"!x' },
  // A quote closed again before the cursor, and bash's $'…' quoting.
  { shells: ['bash', 'zsh'], typed: "'$'", name: '$(touch PWNED)' },
  { shells: ['bash'], typed: "$'a", name: "a';touch PWNED;'" },
  // A quote opened in the middle of the word.
  { shells: ['bash', 'zsh', 'fish'], typed: "x'a", name: "xa';touch PWNED;'" },
];

describe('shell completion', () => {
  let env: Record<string, string>;
  let work: string;
  let bashScript: string;

  before(async () => {
    work = tempDir('awsorg-completion-');
    const bin = join(work, 'bin');
    mkdirSync(bin);
    // `awsorg` on PATH, as npm installs it.
    writeFileSync(join(bin, 'awsorg'), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`);
    chmodSync(join(bin, 'awsorg'), 0o755);
    // No credentials and an endpoint where nothing listens: completion must not need either.
    env = isolatedEnv({ PATH: `${bin}:${process.env.PATH}`, AWS_ENDPOINT_URL: 'http://127.0.0.1:9' });
    const paths = xdgPaths(env);
    mkdirSync(paths.config, { recursive: true });
    writeFileSync(join(paths.config, 'config.json'), JSON.stringify({ aliases: { prod: '111111111111' } }));
    writeInventory(paths, {
      version: 1,
      source: 'organizations',
      baseId: 'default',
      // Old on purpose: completion uses a stale cache rather than reload it.
      fetchedAt: '2020-01-01T00:00:00.000Z',
      accounts: [...ACCOUNTS, ...HOSTILE].map((a) => ({ ...a, email: '', status: 'ACTIVE', ouPath: '/', tags: {} })),
    });
    const run = await runCli(['completion', 'bash'], { env });
    assert.equal(run.code, 0, run.stderr);
    bashScript = join(work, 'awsorg.bash');
    writeFileSync(bashScript, run.stdout);
  });

  /** COMPREPLY after completing the last of `words` (as bash splits them) in a real bash. */
  async function bashComplete(words: string[]): Promise<string[]> {
    const quoted = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
    const program = `source '${bashScript}'\nCOMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}\n_awsorg_completions\nprintf '%s\\n' "\${COMPREPLY[@]}"`;
    const { stdout } = await exec('bash', ['-c', program], { env, cwd: work });
    return stdout.split('\n').filter(Boolean);
  }

  it('the bash script is valid bash and registers the function', async () => {
    await exec('bash', ['-n', bashScript]);
    const { stdout } = await exec('bash', ['-c', `source '${bashScript}'; complete -p awsorg`], { env });
    assert.match(stdout, /complete -F _awsorg_completions awsorg/);
  });

  it('completes account names with spaces, escaped so bash inserts one word', async () => {
    const reply = await bashComplete(['awsorg', 'assume', 'Sand']);
    assert.deepEqual(reply, ['Sandbox\\ Alice', 'Sandbox\\ Bob']);
    // What bash would insert reads back as the account name, as a single word.
    const { stdout } = await exec('bash', ['-c', `set -- ${reply[0]}; printf '%s|%s' "$#" "$1"`]);
    assert.equal(stdout, '1|Sandbox Alice');
    assert.deepEqual(
      await bashComplete(['awsorg', 'credential-process', 'Sandbox\\ A']),
      ['Sandbox\\ Alice'],
      'a word already escaped by the user',
    );
    assert.deepEqual(await bashComplete(['awsorg', 'assume', 'o']), ["O\\'Brien\\ \\&\\ Co"]);
  });

  it('completes aliases, ids, commands, subcommands and flags', async () => {
    assert.deepEqual(await bashComplete(['awsorg', 'assume', 'pro']), ['prod', 'Production']);
    assert.deepEqual(await bashComplete(['awsorg', 'alias', 'rm', '']), ['prod']);
    assert.deepEqual(await bashComplete(['awsorg', 'alias', 'set', 'x', '2']), ['222222222222']);
    assert.deepEqual(await bashComplete(['awsorg', 'cred']), ['credential-process']);
    assert.deepEqual(await bashComplete(['awsorg', 'config', '']), ['generate', 'remove']);
    assert.deepEqual(await bashComplete(['awsorg', 'config', 'generate', '--p']), ['--prefix', '--prune']);
    assert.deepEqual(
      await bashComplete(['awsorg', 'assume', 'prod', '--help', '--rol']),
      ['--role'],
      '--help on the line is just a word',
    );
  });

  it('falls back to file names where a flag takes a file', async () => {
    writeFileSync(join(work, 'my blueprint.yaml'), 'x');
    assert.deepEqual(await bashComplete(['awsorg', 'bootstrap', '--config', 'my']), ['my blueprint.yaml']);
  });

  it('__complete loads no AWS SDK module, needs no network, and is quick', async () => {
    const preload = join(work, 'no-sdk.cjs');
    writeFileSync(
      preload,
      [
        "const Module = require('node:module');",
        'const forbidden = /^@aws-sdk\\/|^@smithy\\//;',
        'const load = Module._load;',
        "Module._load = function (request, ...rest) { if (forbidden.test(request)) throw new Error('SDK module loaded: ' + request); return load.call(this, request, ...rest); };",
        "Module.register('data:text/javascript,' + encodeURIComponent(\"export async function resolve(s, c, next) { if (/^@aws-sdk\\\\/|^@smithy\\\\//.test(s)) throw new Error('SDK module loaded: ' + s); return next(s, c); }\"));",
      ].join('\n'),
    );
    // Both the bundled bin and the unbundled ES modules.
    for (const entry of [CLI, join(REPO_ROOT, 'dist', 'src', 'cli.js')]) {
      const started = process.hrtime.bigint();
      const { stdout, stderr } = await exec(
        process.execPath,
        ['--require', preload, entry, '__complete', 'bash', '2', 'awsorg', 'assume', 'Sandbox\\ '],
        { env },
      );
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      assert.equal(stdout, 'Sandbox\\ Alice\nSandbox\\ Bob\n', entry);
      assert.equal(stderr, '');
      assert.ok(ms < 3000, `${entry} took ${ms.toFixed(0)} ms`);
    }
    // The hook does catch an SDK load: a command that needs AWS fails under it.
    const guarded = await exec(process.execPath, ['--require', preload, CLI, 'whoami'], { env }).catch(
      (err: { stderr: string }) => err,
    );
    assert.match(guarded.stderr, /SDK module loaded/);
  });

  it('prints nothing, successfully, when there is no cache at all', async () => {
    const bare = isolatedEnv();
    const run = await runCli(['__complete', 'bash', '2', 'awsorg', 'assume', 'S'], { env: bare });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr, '');
  });

  it('refuses an unknown shell with exit 2', async () => {
    const run = await runCli(['completion', 'powershell'], { env });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /no completion for the shell "powershell"/);
  });

  it('the zsh script parses', { skip: skipWithout('zsh') }, async () => {
    requireShell('zsh');
    const run = await runCli(['completion', 'zsh'], { env });
    const file = join(work, '_awsorg');
    writeFileSync(file, run.stdout);
    await exec('zsh', ['-n', file]);
  });

  it('the fish script parses', { skip: skipWithout('fish') }, async () => {
    requireShell('fish');
    const run = await runCli(['completion', 'fish'], { env });
    const file = join(work, 'awsorg.fish');
    writeFileSync(file, run.stdout);
    await exec('fish', ['--no-execute', file]);
  });

  /**
   * In a real interactive shell on a terminal: type `awsorg assume WORD`, press Tab, then turn
   * the completed line into `printf '%s\n' awsorg assume …` and run it. The third line printed
   * is what the shell made of the completed word.
   */
  for (const shell of ['bash', 'zsh', 'fish']) {
    it(`${shell}: Tab after an opening quote inserts a hostile name as literal text`, {
      skip: skipWithout(shell),
    }, async () => {
      requireShell(shell);
      const dir = tempDir(`awsorg-${shell}-tab-`);
      let argv: string[];
      if (shell === 'bash') {
        writeFileSync(join(dir, 'rc'), `PS1='$ '\nPS2='PS2-CONTINUES> '\nsource <(awsorg completion bash)\n`);
        argv = ['bash', '--noprofile', '--rcfile', join(dir, 'rc'), '-i'];
      } else if (shell === 'zsh') {
        writeFileSync(join(dir, '.zshenv'), 'unsetopt GLOBAL_RCS\n');
        writeFileSync(
          join(dir, '.zshrc'),
          `PROMPT='$ '\nPS2='PS2-CONTINUES> '\nautoload -Uz compinit && compinit -u -d ${dir}/zcompdump\nsource <(awsorg completion zsh)\n`,
        );
        argv = ['zsh', '-i'];
      } else {
        writeFileSync(
          join(dir, 'rc'),
          `function fish_prompt; printf '$ '; end\nfunction fish_greeting; end\nawsorg completion fish | source\n`,
        );
        argv = ['fish', '--no-config', '-i', '-C', `source ${join(dir, 'rc')}`];
      }
      const tmux = TmuxSession.start({
        argv,
        env: { ...env, TERM: 'xterm-256color', LANG: 'C.UTF-8', ZDOTDIR: dir },
        cwd: dir,
        columns: 160,
        rows: 40,
      });
      const lastLine = (screen: string) => screen.trimEnd().split('\n').pop() ?? '';
      // A fresh prompt on a cleared screen, whatever state the previous case left.
      const reset = async () => {
        tmux.keys('C-c');
        await tmux.waitFor((screen) => lastLine(screen) === '$', 'a fresh prompt');
        tmux.keys('C-l');
        await tmux.waitFor((screen) => screen.trim() === '$', 'a cleared screen');
      };
      try {
        const failures: string[] = [];
        const cases = QUOTED_WORDS.filter((c) => c.shells.includes(shell));
        await tmux.waitFor((screen) => lastLine(screen) === '$', 'the first prompt');
        for (const [n, c] of cases.entries()) {
          await reset();
          const typed = `$ awsorg assume ${c.typed}`;
          tmux.type(typed.slice(2));
          await tmux.waitFor((screen) => lastLine(screen) === typed, JSON.stringify(typed));
          tmux.keys('Tab');
          // Completion has run when the line changed (a shell may rewrite what was typed, too).
          const completed = await tmux
            .waitFor(
              (screen) => lastLine(screen).startsWith('$ awsorg assume ') && lastLine(screen) !== typed,
              `completion of ${typed}`,
              8000,
            )
            .then(
              () => true,
              (err: Error) => (failures.push(err.message), false),
            );
          if (!completed) continue;
          tmux.keys('C-a');
          tmux.type("printf '%s\\n' ");
          tmux.keys('C-e');
          tmux.type(` >out-${n}; echo DONE-${n}`);
          tmux.keys('Enter');
          const out = join(dir, `out-${n}`);
          const screen = await tmux
            .waitFor((s) => new RegExp(`^DONE-${n}$`, 'm').test(s), `the command after completing ${c.typed}`, 8000)
            .catch((err: Error) => err.message);
          if (existsSync(join(dir, 'PWNED'))) failures.push(`${c.typed}: completing ran code`);
          rmSync(join(dir, 'PWNED'), { force: true });
          const read = existsSync(out) ? readFileSync(out, 'utf8').split('\n') : [];
          if (read[2] !== c.name || read.length !== 4)
            failures.push(
              `after ${c.typed}, the shell read ${JSON.stringify(read.slice(2, -1))}, not ${JSON.stringify(c.name)}:\n${screen}`,
            );
        }
        assert.deepEqual(failures, []);
      } finally {
        tmux.kill();
      }
    });
  }
});
