// Property-based: whatever a source holds (a half-edited file, another tool's YAML,
// garbage), parsing never throws and its layer merges into a configuration the boot
// steps can use as it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parseConfig } from '../options.ts';
import { describeUserConfigProblem } from './describe-user-config-problem.ts';
import { mergeUserConfigLayers } from './merge-user-config.ts';
import { parseUserConfig } from './parse-user-config.ts';
import type { UserConfig } from './user-config.ts';

function assertUsable(config: UserConfig): void {
  assert.ok(config.hostname === null || typeof config.hostname === 'string');
  assert.ok(config.docker.daemon !== null && typeof config.docker.daemon === 'object' && !Array.isArray(config.docker.daemon));
  assert.ok(Object.values(config.docker.env).every((v) => typeof v === 'string'));
  assert.equal(new Set(config.services.map((s) => s.name)).size, config.services.length);
  for (const s of config.services) assert.ok(typeof s.image === 'string' && typeof s.privileged === 'boolean' && Array.isArray(s.ports));
  for (const f of config.files) assert.ok(Number.isInteger(f.mode) && typeof f.content === 'string' && f.path.startsWith('/'));
  assert.ok(config.ssh.authorizedKeys.every((k) => typeof k === 'string' && !k.includes('\n')));
  assert.ok(config.ntp.servers === null || config.ntp.servers.every((s) => typeof s === 'string'));
  assert.ok(config.od.every((p) => p.key.startsWith('od.') && (p.value === true || typeof p.value === 'string')));
  // The od options go through the option table without throwing either.
  parseConfig('', config);
}

const keys = ['hostname', 'docker', 'daemon', 'env', 'services', 'name', 'image', 'command', 'ports', 'volumes', 'restart', 'files', 'path', 'mode', 'content', 'ssh', 'authorized_keys', 'ntp', 'servers', 'swarm', 'join', 'od', 'debug', 'dhcp.timeout', 'x'];
const scalar = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom('/etc/x', '8080:80', 'busybox', 'web', '0644'));
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('tree'), { maxLength: 4 }), fc.dictionary(fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 8 })), tie('tree'), { maxKeys: 5 })),
}));
const document = fc.dictionary(fc.constantFrom(...keys), tree, { maxKeys: 8 });

test('any JSON value written as YAML parses without throwing into a layer that merges into a usable configuration', () => {
  fc.assert(
    fc.property(fc.array(document, { minLength: 1, maxLength: 3 }), (documents) => {
      const layers = documents.map((doc, i) => {
        const { config, problems } = parseUserConfig(stringify(doc), `source${i}`);
        for (const problem of problems) assert.equal(typeof describeUserConfigProblem(problem), 'string');
        return config;
      });
      assertUsable(mergeUserConfigLayers(layers));
    }),
    { numRuns: 500 },
  );
});

test('any text at all: YAML-ish or not, parsing never throws', () => {
  const yamlish = fc.array(fc.oneof(fc.constantFrom(...'{}[]:,-&*!|>#\'"\n  ?%@`'.split('')), fc.constantFrom(...keys), fc.string({ maxLength: 6 })), { maxLength: 60 }).map((parts) => parts.join(''));
  fc.assert(
    fc.property(fc.oneof(yamlish, fc.string({ unit: 'binary', maxLength: 500 })), (text) => {
      const { config, problems } = parseUserConfig(text, 'any');
      for (const problem of problems) assert.ok(problem.line >= 1 && problem.column >= 1 && typeof describeUserConfigProblem(problem) === 'string');
      assertUsable(mergeUserConfigLayers([config]));
    }),
    { numRuns: 1000 },
  );
});
