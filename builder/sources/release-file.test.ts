import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gpgMissing, throwawayKey } from './fixtures/throwaway-key.ts';
import { checkValidUntil, parseRelease, ReleaseExpiredError, ReleaseFormatError, ReleaseSignatureError, verifyInRelease } from './release-file.ts';

const RELEASE = `Origin: Debian
Suite: stable
Codename: trixie
Date: Sat, 21 Nov 2026 09:15:44 UTC
Valid-Until: Mon, 07 Dec 2026 02:21:41 UTC
SHA256:
 2efd6103f013081f8118f4c9f228739bc97bff2e4e1de496f80458c7e72a24ac 56634892 main/binary-amd64/Packages
 4967137e99422deb3b08e4eab8d6e756abfc826ef2c3744f50c1ab8ed053bf7e 13335627 main/binary-amd64/Packages.gz
`;

test('InRelease: a good signature gives the signed text; a tampered one is refused', { skip: gpgMissing(), timeout: 60_000 }, async () => {
  const key = await throwawayKey();
  try {
    const inRelease = await key.clearsign(RELEASE);
    assert.equal(await verifyInRelease(inRelease, 'test InRelease', key.keyring), RELEASE);
    const tampered = inRelease.replace('13335627', '13335628');
    assert.notEqual(tampered, inRelease);
    await assert.rejects(verifyInRelease(tampered, 'tampered InRelease', key.keyring), (error: unknown) => {
      return error instanceof ReleaseSignatureError && /tampered InRelease/.test(error.message) && /BAD signature/i.test(error.message);
    });
    // Signed by a key that is not in the keyring given: refused as well.
    const other = await throwawayKey();
    try {
      await assert.rejects(verifyInRelease(await other.clearsign(RELEASE), 'foreign InRelease', key.keyring), ReleaseSignatureError);
    } finally {
      await other.cleanup();
    }
  } finally {
    await key.cleanup();
  }
});

test('parseRelease reads the SHA256 list, Date and Valid-Until', () => {
  const release = parseRelease(RELEASE, 'r');
  assert.equal(release.codename, 'trixie');
  assert.deepEqual(release.sha256.get('main/binary-amd64/Packages.gz'), {
    sha256: '4967137e99422deb3b08e4eab8d6e756abfc826ef2c3744f50c1ab8ed053bf7e',
    size: 13335627,
  });
  assert.equal(release.sha256.size, 2);
  assert.equal(release.validUntil?.toISOString(), '2026-12-07T02:21:41.000Z');
  assert.throws(() => parseRelease('Origin: x\n', 'not-a-release'), ReleaseFormatError);
});

test('checkValidUntil refuses an expired release and accepts one without the field', () => {
  const release = parseRelease(RELEASE, 'r');
  checkValidUntil(release, 'r', new Date('2026-12-01T00:00:00Z'));
  assert.throws(() => checkValidUntil(release, 'r', new Date('2026-12-08T00:00:00Z')), ReleaseExpiredError);
  checkValidUntil(parseRelease(RELEASE.replace(/^Valid-Until:.*\n/m, ''), 'r'), 'r', new Date('2099-01-01T00:00:00Z'));
});
