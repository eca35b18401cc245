/**
 * The lines of an AWS shared config or credentials file, classified the way botocore reads
 * them. botocore (and so the AWS CLI and boto3) parses both files with Python's
 * configparser.RawConfigParser, whose rules are:
 * - a line whose first non-blank character is `#` or `;` is a comment; there are no inline
 *   comments, so `key = a #b` has the value `a #b`;
 * - a line indented deeper than the option line above it (blank and comment lines between them
 *   do not matter) continues that option's value: it is never a header or an option;
 * - any other line that starts (after blanks) with `[` and has a `]` later is a section header,
 *   named by everything between that `[` and the line's last `]`: `[profile x] # mine` and
 *   `[profile x]\t; mine` are both section "profile x". Two headers with the same name make it
 *   refuse the whole file (DuplicateSectionError).
 * SDK v3 (@smithy/shared-ini-file-loader) cuts every line at a `#` or `;` that follows a blank
 * and agrees on those headers. Where the two differ (`[x]# c` is a header only to botocore), the
 * botocore reading is the one that matters here: it is the one that refuses duplicates.
 *
 * Imports nothing: `awsorg assume` reads the config file through this on its fast path.
 */

export type IniLine =
  | { kind: 'blank' | 'comment' | 'continuation' | 'other'; line: number; start: number; text: string }
  | { kind: 'header'; section: string; line: number; start: number; text: string }
  | { kind: 'option'; key: string; value: string; line: number; start: number; text: string };

/** Every line of the file, in order, with its 1-based line number and its offset in the text. */
export function iniLines(text: string): IniLine[] {
  const out: IniLine[] = [];
  let inSection = false;
  let optionOpen = false;
  let indentLevel = 0;
  let start = 0;
  let line = 0;
  // Python reads text files with universal newlines: \n, \r\n and a lone \r all end a line.
  const ending = /\r\n|\n|\r/g;
  while (start < text.length) {
    line++;
    const m = ending.exec(text);
    const end = m ? m.index : text.length;
    const raw = text.slice(start, end);
    const at = start;
    start = m ? m.index + m[0].length : text.length;
    const value = raw.trim();
    if (value === '') {
      out.push({ kind: 'blank', line, start: at, text: raw });
      continue;
    }
    if (value.startsWith('#') || value.startsWith(';')) {
      out.push({ kind: 'comment', line, start: at, text: raw });
      continue;
    }
    const indent = raw.search(/\S/);
    if (inSection && optionOpen && indent > indentLevel) {
      out.push({ kind: 'continuation', line, start: at, text: raw });
      continue;
    }
    indentLevel = indent;
    const header = /^\[([\s\S]+)\]/.exec(value);
    if (header) {
      inSection = true;
      optionOpen = false;
      out.push({ kind: 'header', section: header[1]!, line, start: at, text: raw });
      continue;
    }
    const option = inSection ? /^(.*?)\s*[=:]\s*([\s\S]*)$/.exec(value) : null;
    if (option && option[1] !== '') {
      optionOpen = true;
      out.push({ kind: 'option', key: option[1]!.toLowerCase(), value: option[2]!, line, start: at, text: raw });
      continue;
    }
    out.push({ kind: 'other', line, start: at, text: raw });
  }
  return out;
}
