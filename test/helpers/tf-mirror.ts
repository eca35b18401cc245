/**
 * The hashicorp/aws provider that this machine image carries as a filesystem mirror, so real
 * `terraform init` works offline in tests. `.ci/run` fails when the mirror is missing; tests
 * that need the provider never skip.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TF_MIRROR = '/opt/tf-plugins';

let configFile: string | undefined;

/** Environment for terraform: a CLI config that installs hashicorp/aws from the mirror only. */
export function tfMirrorEnv(): Record<string, string> {
  if (!configFile) {
    const dir = mkdtempSync(join(tmpdir(), 'awsorg-tfrc-'));
    configFile = join(dir, 'terraform.tfrc');
    writeFileSync(
      configFile,
      `provider_installation {\n  filesystem_mirror {\n    path = "${TF_MIRROR}"\n  }\n  direct {\n    exclude = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n`,
    );
  }
  return { TF_CLI_CONFIG_FILE: configFile, CHECKPOINT_DISABLE: '1' };
}

export const tfMirrorPresent = (): boolean => existsSync(join(TF_MIRROR, 'registry.terraform.io', 'hashicorp', 'aws'));

/**
 * Turn the presets' `terraform.handoff: true` off in a written blueprint, for tests about the SDK
 * engine itself (faults, crashes, settings) that would otherwise also run Terraform.
 */
export function withoutHandoff(blueprintFile: string): void {
  const text = readFileSync(blueprintFile, 'utf8');
  if (!/^(\s+)handoff: true$/m.test(text)) throw new Error(`${blueprintFile} has no 'handoff: true' to turn off`);
  writeFileSync(blueprintFile, text.replace(/^(\s+)handoff: true$/m, '$1handoff: false'));
}
