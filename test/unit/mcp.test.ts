import { mcpResultText } from '../../activities/tools/mcp';
import { APPROVAL_RULE_PATTERN } from '../../domain/approvals';
import { allowedMcpTools, isMcpToolName, mcpPolicyGates, mcpToolName } from '../../domain/mcp';
import { Redactor } from '../../fetch/redact';

describe('MCP tool names', () => {
  it('are mcp__<server>__<tool> when that fits the Messages API', () => {
    expect(mcpToolName('linear', 'create_issue')).toBe('mcp__linear__create_issue');
    expect(isMcpToolName('mcp__linear__create_issue')).toBe(true);
    expect(isMcpToolName('web_fetch')).toBe(false);
  });

  it('are cut to 64 characters and end in a hash of the whole name, so two long names never meet', () => {
    const long = 'x'.repeat(80);
    const a = mcpToolName('server', `${long}_a`);
    const b = mcpToolName('server', `${long}_b`);
    expect(a).toHaveLength(64);
    expect(a).toMatch(/^mcp__server__x+_[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(mcpToolName('server', `${long}_a`)).toBe(a);
  });

  it('clean characters a tool name may not hold', () => {
    const name = mcpToolName('docs', 'search.pages/v2');
    expect(name).toMatch(/^mcp__docs__search_pages_v2_[0-9a-f]{8}$/);
    expect(name).not.toBe(mcpToolName('docs', 'search_pages_v2'));
  });

  it('may be named in approval_required', () => {
    expect(APPROVAL_RULE_PATTERN.test('mcp__linear__create_issue')).toBe(true);
    expect(APPROVAL_RULE_PATTERN.test('mcp__Linear__create_issue')).toBe(false);
    expect(APPROVAL_RULE_PATTERN.test('mcp__linear__')).toBe(false);
  });
});

describe('MCP approval policies', () => {
  it.each([
    ['never', false, false],
    ['never', true, false],
    ['writes', false, true],
    ['writes', true, false],
    ['always', true, true],
    ['always', false, true],
  ] as const)('%s with readOnly %s gates: %s', (policy, readOnly, gated) => {
    expect(mcpPolicyGates(policy, readOnly)).toBe(gated);
  });

  it('keeps only the allow-listed tools (all without a list)', () => {
    const tools = [{ name: 'a' }, { name: 'b' }, { name: 'c' }];
    expect(allowedMcpTools({ allowed_tools: ['c', 'a', 'zz'] }, tools)).toEqual([{ name: 'a' }, { name: 'c' }]);
    expect(allowedMcpTools({}, tools)).toEqual(tools);
  });
});

describe('an MCP result as the model reads it', () => {
  const none = new Redactor([]);

  it('joins text, adds structuredContent as JSON, names images and resources by type and size', () => {
    const text = mcpResultText(
      {
        content: [
          { type: 'text', text: 'first' },
          { type: 'image', mimeType: 'image/png', data: Buffer.alloc(300).toString('base64') },
          { type: 'resource', resource: { uri: 'file:///notes.md', mimeType: 'text/markdown', text: 'hello' } },
          { type: 'text', text: 'second' },
        ],
        structuredContent: { id: 7 },
      },
      none
    );
    expect(text).toBe(
      'first\n[image: image/png, 300 bytes]\n[resource file:///notes.md, text/markdown, 5 bytes]\nsecond\n{"id":7}'
    );
  });

  it('cuts at 64 KiB without splitting a character, and redacts secrets', () => {
    const cut = mcpResultText({ content: [{ type: 'text', text: 'é'.repeat(40_000) }] }, none);
    expect(Buffer.byteLength(cut)).toBeLessThan(64 * 1024 + 100);
    expect(cut).not.toContain('\uFFFD');
    expect(cut).toMatch(/cut: the result was 80000 bytes/);
    const redacted = mcpResultText(
      { content: [{ type: 'text', text: 'token sk-live-123456789 here' }] },
      new Redactor([{ name: 'crm', value: 'sk-live-123456789' }])
    );
    expect(redacted).toBe('token [REDACTED:crm] here');
  });

  it('says so when an error says nothing', () => {
    expect(mcpResultText({ content: [], isError: true }, none)).toBe('The tool failed and said nothing more.');
  });
});
