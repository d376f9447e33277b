import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { findHostTool } from '../builder/sources/host-tools.ts';
import { escapeXml, timelineSvg, type TimelineInput } from './timeline-svg.ts';
import { tempDir } from '../test/helpers/temp-dir.ts';

const input: TimelineInput = {
  title: 'boot <real> & "reference"',
  subtitle: 'test',
  milestoneRows: [
    { key: 'initStart', label: 'init starts' },
    { key: 'dockerReady', label: 'Docker ready' },
    { key: 'consolePrompt', label: 'console prompt' },
  ],
  series: [
    {
      name: 'only-docker init',
      color: '#1f6feb',
      milestones: { initStart: 15_900, dockerReady: 43_400, initrdUnpackStart: 7_000, initrdUnpacked: 14_000 },
      steps: [
        { name: 'mountPseudoFilesystems', status: 'done', start: 18_700, end: 18_800 },
        { name: 'readConfig', status: 'done', start: 18_800, end: 18_820 },
        { name: 'startDockerd', status: 'done', start: 22_700, end: 43_400 },
      ],
    },
    {
      name: 'reference',
      color: '#d9822b',
      milestones: { initStart: 12_200, dockerReady: 32_800, consolePrompt: 56_600 },
      steps: [
        { name: 'mountPseudoFilesystems', status: 'done', start: 12_200, end: 12_400 },
        { name: 'mountDockerDisk', status: 'skipped', start: 16_200, end: 16_250 },
        { name: 'startDockerd', status: 'done', start: 16_300, end: 32_800 },
      ],
    },
  ],
};

/** A small well-formedness check: every tag closes in order, attributes are quoted, no raw & or <. */
function assertWellFormed(xml: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (const match of xml.matchAll(tag)) {
    const between = xml.slice(last, match.index);
    assert.doesNotMatch(between, /<|&(?!(amp|lt|gt|quot|apos);)/, `stray markup before ${match[0]}`);
    last = match.index + match[0].length;
    const [, closing, name, , selfClosing] = match;
    if (closing) assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
    else if (!selfClosing) stack.push(name!);
  }
  assert.equal(xml.slice(last).trim(), '', 'nothing after the root element');
  assert.deepEqual(stack, [], 'every element is closed');
}

test('the SVG is well-formed XML with escaped text', () => {
  const svg = timelineSvg(input);
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assertWellFormed(svg);
  assert.match(svg, /boot &lt;real&gt; &amp; &quot;reference&quot;/);
  assert.equal(escapeXml(`a<b>&"c'`), 'a&lt;b&gt;&amp;&quot;c&apos;');
});

test('one bar per step and init, in the merged step order, with seconds', () => {
  const svg = timelineSvg(input);
  const stepBars = [...svg.matchAll(/<rect class="bar step" data-series="(\d)"/g)].map((m) => m[1]);
  // mountPseudoFilesystems (2), readConfig (real only), mountDockerDisk (reference only), startDockerd (2)
  assert.equal(stepBars.length, 6);
  const labels = [...svg.matchAll(/text-anchor="end"[^>]*>([^<]+)</g)].map((m) => m[1]);
  assert.deepEqual(labels.slice(0, 3), ['kernel: power-on → /init', 'kernel: unpack the initramfs', 'init: exec → first step']);
  assert.deepEqual(labels.slice(3, 7), ['mountPseudoFilesystems', 'readConfig', 'mountDockerDisk', 'startDockerd']);
  assert.match(svg, />20\.7 s</, 'startDockerd of the real init lasted 20.7 s');
  assert.match(svg, />0\.05 s skipped</);
  assert.equal([...svg.matchAll(/<rect class="bar milestone"/g)].length, 5, 'console prompt: reference only');
  assert.match(svg, />n\/a</, 'a milestone an init did not reach says so');
  assert.equal([...svg.matchAll(/<rect class="bar phase"/g)].length, 5, 'kernel and init start-up for both, unpack for the real one only');
  assert.match(svg, />2\.8 s</, 'the real init took 2.8 s from exec to its first step');
});

test('rsvg-convert, when installed, renders it', async (t) => {
  if (!findHostTool('rsvg-convert')) return t.skip('rsvg-convert is not installed (librsvg2-bin)');
  const dir = tempDir(t, 'timeline-');
  await writeFile(join(dir, 't.svg'), timelineSvg(input));
  execFileSync('rsvg-convert', ['--output', join(dir, 't.png'), join(dir, 't.svg')]);
});
