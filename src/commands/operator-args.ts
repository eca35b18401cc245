/** Flag values shared by the operator commands (assume, credential-process, config generate). Pure. */
import { UsageError } from '../core/errors.js';

/** "1h", "90m", "1h30m", "900s" or plain seconds -> seconds, within STS's 15 min .. 12 h. */
export function parseDuration(text: string, flag = '--duration'): number {
  const trimmed = text.trim();
  let seconds: number | undefined;
  if (/^\d+$/.test(trimmed)) seconds = Number(trimmed);
  else {
    const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/i.exec(trimmed);
    if (m && trimmed) seconds = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  }
  if (seconds === undefined)
    throw new UsageError(`${flag} "${text}" is not a duration`, `Write it like 1h, 45m, 1h30m or 3600 (seconds).`);
  if (seconds < 900 || seconds > 43_200) {
    throw new UsageError(
      `${flag} ${text} is outside what STS allows (15m to 12h)`,
      'Pick a duration between 15m and 12h; role chaining is limited to 1h.',
    );
  }
  return seconds;
}

export function parseRegion(text: string, flag = '--region'): string {
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(text))
    throw new UsageError(
      `${flag} "${text}" is not an AWS region name`,
      'Use a region code such as us-east-1 or eu-west-2.',
    );
  return text;
}
