import crypto from 'node:crypto';
import { needsApproval } from '../../domain/approvals';
import { approvalIdOfToken, approvalLinkToken, verifyApprovalLinkToken } from '../../security/approval-links';
import { parseKeys } from '../../security/encryption-keys';
import { Vault } from '../../security/vault';

describe('needsApproval', () => {
  it.each([
    [['notify_owner'], 'notify_owner', {}, true],
    [['notify_owner'], 'memory_write', {}, false],
    [['web_fetch'], 'web_fetch', { url: 'https://x' }, true],
    [['web_fetch:POST'], 'web_fetch', { url: 'https://x', method: 'POST' }, true],
    [['web_fetch:POST'], 'web_fetch', { url: 'https://x', method: 'post' }, true],
    [['web_fetch:POST'], 'web_fetch', { url: 'https://x' }, false],
    [['web_fetch:GET'], 'web_fetch', { url: 'https://x' }, true],
    [['web_fetch:DELETE'], 'web_fetch', { url: 'https://x', method: 'PUT' }, false],
    [[], 'web_fetch', { method: 'DELETE' }, false],
  ])('%j gates %s %j: %s', (rules, tool, input, expected) => {
    expect(needsApproval(rules, tool, input)).toBe(expected);
  });
});

describe('approval link tokens', () => {
  const key = (kid: string) => `${kid}:${crypto.randomBytes(32).toString('base64')}`;
  const vault = new Vault(parseKeys(key('k1')));
  const approval = { id: crypto.randomUUID(), expires_at: new Date('2026-12-01T09:00:00Z') };

  it('names its approval and verifies for it alone', () => {
    const token = approvalLinkToken(vault, approval);
    expect(token).toMatch(/^gat_[A-Za-z0-9_-]{22}\.k1\.[A-Za-z0-9_-]{43}$/);
    expect(approvalIdOfToken(token)).toBe(approval.id);
    expect(verifyApprovalLinkToken(vault, token, approval)).toBe(true);
    expect(verifyApprovalLinkToken(vault, token, { ...approval, id: crypto.randomUUID() })).toBe(false);
    expect(verifyApprovalLinkToken(vault, token, { ...approval, expires_at: new Date('2026-12-02T09:00:00Z') })).toBe(
      false
    );
  });

  it('refuses a tampered token, one signed with another key, and shapes that are not tokens', () => {
    const token = approvalLinkToken(vault, approval);
    // Any other character anywhere in the signature, the last one's spare bits included.
    const signatureAt = token.lastIndexOf('.') + 1;
    for (let i = signatureAt; i < token.length; i++) {
      for (const other of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_') {
        if (token[i] === other) continue;
        const changed = token.slice(0, i) + other + token.slice(i + 1);
        expect([i, verifyApprovalLinkToken(vault, changed, approval)]).toEqual([i, false]);
      }
    }
    const other = new Vault(parseKeys(key('k1')));
    expect(verifyApprovalLinkToken(other, token, approval)).toBe(false);
    for (const junk of ['', 'gat_', 'gat_x.y.z', `hg_live_${'a'.repeat(40)}`, token + '.extra']) {
      expect(approvalIdOfToken(junk)).toBeUndefined();
    }
  });

  it('still verifies under a rotated key list that keeps the old key', () => {
    const oldKey = key('old');
    const token = approvalLinkToken(new Vault(parseKeys(oldKey)), approval);
    const rotated = new Vault(parseKeys(`${key('new')},${oldKey}`));
    expect(verifyApprovalLinkToken(rotated, token, approval)).toBe(true);
  });
});
