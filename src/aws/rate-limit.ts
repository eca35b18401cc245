/**
 * An adaptive request pacer for discovery of large organizations. Requests are spaced at the
 * current rate; every throttling response halves the rate, and every success creeps it back
 * up (additive increase, multiplicative decrease). Combined with the session's jittered
 * retries this keeps a 5,000-account discovery under AWS's limits instead of failing on them.
 */
import type { Clock } from './deps.js';

/** Throttling responses within this window of a cut count as the same burst. */
const THROTTLE_BURST_MS = 1_000;

export interface PacerOptions {
  /** Requests per second to start at. */
  rate: number;
  min?: number;
  max?: number;
}

export class AdaptivePacer {
  private rate: number;
  private readonly min: number;
  private readonly max: number;
  private nextSlot = 0;
  private lastCut = -Infinity;
  throttles = 0;

  constructor(
    private readonly clock: Clock,
    opts: PacerOptions,
  ) {
    this.rate = opts.rate;
    this.min = opts.min ?? 1;
    this.max = opts.max ?? opts.rate * 2;
  }

  get currentRate(): number {
    return this.rate;
  }

  /** Wait for this request's slot. */
  async acquire(signal?: AbortSignal): Promise<void> {
    const now = this.clock.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + 1000 / this.rate;
    if (slot > now) await this.clock.sleep(slot - now, signal);
  }

  /**
   * Throttling comes in bursts (every request in flight hits the limit at once); one burst
   * halves the rate once, or the rate would collapse to the minimum and crawl back for minutes.
   */
  throttled(): void {
    this.throttles++;
    const now = this.clock.now();
    if (now - this.lastCut < THROTTLE_BURST_MS) return;
    this.lastCut = now;
    this.rate = Math.max(this.min, this.rate / 2);
  }

  succeeded(): void {
    // About +2 requests/second for every second of successes.
    this.rate = Math.min(this.max, this.rate + 2 / Math.max(1, this.rate));
  }
}

/** Run `work` over `items` with at most `limit` in flight; the first failure is rethrown after the rest settle. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const runners = Array.from({ length: Math.min(Math.max(1, limit), items.length) }, async () => {
    while (next < items.length && !failure && !signal?.aborted) {
      const index = next++;
      try {
        await work(items[index]!, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  });
  await Promise.all(runners);
  if (failure) throw failure.error;
}
