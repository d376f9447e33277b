import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerdConfig, containerdPaths, disabledPlugins } from './containerd-config.ts';

test("containerd's configuration keeps dockerd's own paths and leaves out the plugins Docker does not use", () => {
  const toml = containerdConfig(containerdPaths, { debug: false });
  assert.match(toml, /^version = 2$/m);
  assert.match(toml, /^root = "\/var\/lib\/docker\/containerd\/daemon"$/m);
  assert.match(toml, /^state = "\/run\/docker\/containerd\/daemon"$/m);
  assert.match(toml, /^\[grpc\]\n {2}address = "\/run\/docker\/containerd\/containerd\.sock"$/m);
  assert.match(toml, /^\[debug\]\n {2}level = "info"$/m);
  assert.match(containerdConfig(containerdPaths, { debug: true }), /level = "debug"/);
  const disabled = toml.match(/^disabled_plugins = \[(.*)\]$/m)?.[1];
  assert.deepEqual(JSON.parse(`[${disabled}]`), [...disabledPlugins]);
  assert.ok(disabledPlugins.includes('io.containerd.grpc.v1.cri'));
  assert.ok(!disabledPlugins.some((plugin) => /overlayfs|native|runtime|content|metadata/.test(plugin)), 'what Docker uses stays');
});
