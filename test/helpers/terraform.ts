/** Terraform itself (not through awsorg), for tests that prepare or check a real working directory. */
import { spawn } from 'node:child_process';

export interface ToolRun {
  code: number | null;
  output: string;
}

/** Run terraform with a hard timeout, so no process is left behind; stdout and stderr interleaved. */
export function terraform(args: string[], cwd: string, env: Record<string, string>): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('terraform', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += String(d)));
    child.stderr.on('data', (d) => (output += String(d)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
