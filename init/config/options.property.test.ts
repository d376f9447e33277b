// Property-based: whatever the kernel command line holds (a typo, a boot loader's
// garbage, a hostile value), parsing never throws, finishes, and gives a configuration
// the rest of the init can use as it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIP, isIPv4 } from 'node:net';
import fc from 'fast-check';
import { tokenizeCmdline } from './cmdline.ts';
import { describeProblem, parseConfig } from './options.ts';
import { optionTable } from './option-table.ts';
import type { InitConfig } from './init-config.ts';

function assertUsable(config: InitConfig): void {
  assert.equal(typeof config.debug, 'boolean');
  assert.ok(config.hostname.length >= 1 && config.hostname.length <= 64 && /^[A-Za-z0-9.-]+$/.test(config.hostname), config.hostname);
  assert.ok(config.disk.format === null || /^\/dev\/[a-z0-9/]+$/.test(config.disk.format), String(config.disk.format));
  for (const ms of [config.disk.timeoutMs, config.disk.settleMs, config.shutdown.timeoutMs, config.dockerd.timeoutMs, config.net.dhcpTimeoutMs]) {
    assert.ok(Number.isInteger(ms) && ms >= 0 && ms <= 3_600_000, String(ms));
  }
  assert.ok(config.shutdown.timeoutMs >= 1000 && config.dockerd.timeoutMs >= 1000 && config.net.dhcpTimeoutMs >= 1000);
  assert.ok(Array.isArray(config.dockerd.args) && config.dockerd.args.every((a) => typeof a === 'string'));
  assert.ok(config.net.dns.length <= 3 && config.net.dns.every((s) => isIP(s) !== 0));
  assert.ok(config.net.address === null || (isIPv4(config.net.address.ip) && config.net.address.prefix >= 0 && config.net.address.prefix <= 32));
  assert.ok(config.net.gateway === null || isIPv4(config.net.gateway));
  assert.ok(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/.test(config.net.interface), config.net.interface);
  assert.ok(config.console.terminals === null || config.console.terminals.every((t) => /^(tty[A-Za-z]*\d{1,3}|hvc\d{1,3})$/.test(t)));
  assert.ok(config.dockerd.bip === null || (isIPv4(config.dockerd.bip.ip) && config.dockerd.bip.prefix >= 8 && config.dockerd.bip.prefix <= 30));
}

const keys = optionTable.map((spec) => spec.key);
// Values close to real ones and far from them: the characters the options' patterns
// use, quotes and spaces the tokenizer splits on, and any unicode at all.
const valueChars = fc.constantFrom(...'aZ09./-_:,@\'" =\t\\\u001b\u00e9'.split(''));
const value = fc.oneof(fc.string({ unit: valueChars, maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ maxLength: 300 }));
const param = fc.oneof(
  fc.tuple(fc.constantFrom(...keys), value).map(([k, v]) => `${k}=${v}`),
  fc.tuple(fc.constantFrom(...keys), value).map(([k, v]) => `"${k}=${v}"`),
  fc.constantFrom(...keys),
  fc.string({ maxLength: 30 }).map((s) => `od.${s}`),
  fc.string({ maxLength: 30 }),
);
const cmdline = fc.array(param, { maxLength: 12 }).map((params) => params.join(' '));

test('any command line parses to a usable configuration, without throwing', () => {
  fc.assert(
    fc.property(cmdline, (line) => {
      const { config, problems } = parseConfig(line);
      assertUsable(config);
      for (const problem of problems) assert.equal(typeof describeProblem(problem), 'string');
    }),
    { numRuns: 2000 },
  );
});

test('any string at all: the tokenizer and the parser never throw', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 2048 }), (line) => {
      for (const p of tokenizeCmdline(line)) assert.equal(typeof p.key, 'string');
      assertUsable(parseConfig(line).config);
    }),
    { numRuns: 500 },
  );
});

test('a good value survives any garbage before it (quotes balanced: the kernel lets an open one run on)', () => {
  const balanced = fc.array(param, { maxLength: 6 }).filter((noise) => (noise.join(' ').match(/"/g) ?? []).length % 2 === 0);
  fc.assert(
    fc.property(balanced, (noise) => {
      const { config } = parseConfig(`${noise.join(' ')} od.hostname=box`);
      assert.equal(config.hostname, 'box');
    }),
    { numRuns: 500 },
  );
});
