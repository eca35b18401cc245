/** An OutputStream that keeps what was written, for tests that read a command's stdout or stderr. */
import type { OutputStream } from '../../src/aws/deps.js';

export function captureStream(): OutputStream & { text: string } {
  return {
    text: '',
    isTTY: false,
    write(chunk: string) {
      this.text += chunk;
      return true;
    },
  };
}
