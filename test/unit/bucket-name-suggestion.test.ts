/**
 * The fix a refused bucket name comes with: a name it suggests must itself pass the same
 * rules, whatever was typed (issue 12 item 17: `My_Bucket..x` suggested `my-bucket..x`, which
 * was then refused for its adjacent periods).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bucketNameProblem } from '../../src/core/blueprint-load.js';

/** The name quoted in a fix such as "use a name like 'acme-tfstate'", if any. */
function suggested(bucket: string): string | undefined {
  const fix = bucketNameProblem(bucket)?.fix ?? '';
  return /(?:like|e\.g\.) '([^']*)'/.exec(fix)?.[1];
}

/** A small seeded generator, so a failure names an input that reproduces. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  'a',
  'Z',
  '9',
  '.',
  '..',
  '-',
  '--',
  '_',
  ' ',
  'xn--',
  'sthree-',
  'amzn-s3-demo-',
  '-s3alias',
  '--ol-s3',
  '.mrap',
  '--x-s3',
  '--table-s3',
  '192.168.1.1',
  '1',
  '.1',
  'é',
  '/',
  'acme',
  'TF',
  'state',
];

describe('bucket name suggestions', () => {
  it('suggests a valid name for names with adjacent periods, edges and reserved parts', () => {
    for (const bad of [
      'My_Bucket..x',
      'a..b',
      '.acme..tfstate.',
      '-acme-',
      'xn--acme-tfstate',
      'acme-tfstate-s3alias',
      'xn--xn--acme',
      'Acme.-.State',
    ]) {
      const name = suggested(bad);
      assert.ok(name, `a name is suggested for '${bad}': ${bucketNameProblem(bad)?.fix}`);
      assert.equal(bucketNameProblem(name), undefined, `'${name}', suggested for '${bad}', passes`);
    }
    assert.equal(suggested('My_Bucket..x'), 'my-bucket.x');
  });

  it('never suggests a name the same rules refuse (property, 5000 random inputs)', () => {
    const next = random(12);
    let suggestions = 0;
    for (let n = 0; n < 5000; n++) {
      const parts = 1 + Math.floor(next() * 8);
      let bad = '';
      for (let i = 0; i < parts; i++) bad += PIECES[Math.floor(next() * PIECES.length)];
      if (next() < 0.1) bad = bad.repeat(1 + Math.floor(next() * 6));
      const problem = bucketNameProblem(bad);
      if (!problem) continue;
      const name = suggested(bad);
      if (name === undefined) continue;
      suggestions++;
      assert.equal(bucketNameProblem(name)?.message, undefined, `'${name}', suggested for '${bad}', is refused`);
      assert.notEqual(name, bad);
    }
    assert.ok(suggestions > 1000, `most inputs get a suggestion (${suggestions})`);
  });

  it('suggests nothing when no valid name can be made from the input', () => {
    for (const hopeless of ['..', '__', 'x', 'xn--', 'A_']) {
      const problem = bucketNameProblem(hopeless);
      assert.ok(problem);
      assert.match(problem.fix, /3-63 lowercase letters/, `'${hopeless}': ${problem.fix}`);
    }
    assert.equal(bucketNameProblem('1.2.3.4')?.fix, 'use a name made of words, e.g. acme-tfstate');
    assert.equal(bucketNameProblem('xn--acme-tfstate')?.fix, "drop the 'xn--' prefix, e.g. 'acme-tfstate'");
  });
});
