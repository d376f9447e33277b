import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatImageIndex, parseImageIndex } from './image-index.ts';

const consoleImage = { name: 'console', file: 'console.tar', repoTags: ['only-docker/console:0.1.0'], imageId: 'sha256:c' };

test('what the builder writes, the init reads back', () => {
  assert.deepEqual(parseImageIndex(formatImageIndex([consoleImage])), [consoleImage]);
});

test('a malformed index names the entry that is wrong', () => {
  assert.throws(() => parseImageIndex('not json'), { name: 'ImageIndexError', message: /index\.json is not JSON/ });
  assert.throws(() => parseImageIndex('{}'), /not a list/);
  assert.throws(() => parseImageIndex(JSON.stringify([consoleImage, { name: 'dhcp', file: 'dhcp.tar' }])), /entry 1 lacks name, file, imageId or repoTags/);
});
