import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { completeLayerTree, LayerTreeError, normaliseImagePath, type LayerEntry } from './layer-entry.ts';

const bytes = { bytes: Buffer.from('x') };

describe('layer trees', () => {
  it('normalises paths and refuses escapes', () => {
    assert.equal(normaliseImagePath('/usr//bin/'), '/usr/bin');
    assert.throws(() => normaliseImagePath('usr/bin'), LayerTreeError);
    assert.throws(() => normaliseImagePath('/usr/../etc'), LayerTreeError);
    assert.throws(() => normaliseImagePath('/'), LayerTreeError);
  });

  it('adds missing parents with 0755, keeps declared modes, sorts bytewise', () => {
    const tree = completeLayerTree([
      { type: 'file', path: '/usr/bin/x', mode: 0o755, content: bytes },
      { type: 'directory', path: '/usr', mode: 0o700 },
      { type: 'symlink', path: '/bin-x', target: 'usr/bin/x' },
    ]);
    assert.deepEqual(
      tree.map((e) => [e.path, e.type, 'mode' in e ? e.mode : undefined]),
      [
        ['/bin-x', 'symlink', undefined],
        ['/usr', 'directory', 0o700],
        ['/usr/bin', 'directory', 0o755],
        ['/usr/bin/x', 'file', 0o755],
      ],
    );
  });

  it('keeps the first mode of a directory declared twice', () => {
    const tree = completeLayerTree([
      { type: 'directory', path: '/tmp', mode: 0o1777 },
      { type: 'directory', path: '/tmp', mode: 0o755 },
    ]);
    assert.deepEqual(tree, [{ type: 'directory', path: '/tmp', mode: 0o1777 }]);
  });

  it('refuses a path declared twice, and paths under a file or symlink', () => {
    const file: LayerEntry = { type: 'file', path: '/etc/passwd', mode: 0o644, content: bytes };
    assert.throws(() => completeLayerTree([file, { type: 'symlink', path: '/etc/passwd', target: 'x' }]), /declared twice/);
    assert.throws(
      () => completeLayerTree([{ type: 'symlink', path: '/var/run', target: '../run' }, { type: 'file', path: '/var/run/x', mode: 0o644, content: bytes }]),
      /needs "\/var\/run" to be a directory/,
    );
  });
});
