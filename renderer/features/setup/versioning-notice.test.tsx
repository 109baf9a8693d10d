// @vitest-environment jsdom
import { cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { VersioningNotice } from './versioning-notice.tsx';

afterEach(cleanup);

// Issue 10: a versioned bucket (B2 keeps deleted objects as hidden versions) is detected at set-up
// and the wizard says what to do, not only prune later.
describe('VersioningNotice', () => {
  it("tells a B2 user to keep only the last version, and an R2 user to expire noncurrent versions", () => {
    const b2 = render(<VersioningNotice versioning="enabled" provider="b2" />);
    expect(b2.container.textContent).toContain('Keep only the last version of the file');
    cleanup();
    const r2 = render(<VersioningNotice versioning="suspended" provider="r2" />);
    expect(r2.container.textContent).toContain('Versioning is suspended');
    expect(r2.container.textContent).toContain('noncurrent');
  });

  it('says nothing for an unversioned bucket or a local folder', () => {
    expect(render(<VersioningNotice versioning={undefined} provider="s3" />).container.innerHTML).toBe('');
    expect(render(<VersioningNotice versioning="enabled" provider="local" />).container.innerHTML).toBe('');
  });
});
