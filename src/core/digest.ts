/**
 * A short, stable, non-cryptographic digest for cache file names. Loading node:crypto costs
 * about 8 ms, a fifth of `assume`'s budget on a cache hit; cache files record the key they
 * belong to and are checked on read, so a collision can only cause a miss, never a mix-up.
 */
export function shortDigest(text: string): string {
  // Two independent 32-bit FNV-1a style lanes -> 16 hex digits.
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 13;
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}
