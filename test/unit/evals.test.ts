import { matchRecorded, sameToolSequence } from '../../domain/evals';

describe('matching a case’s tool calls with the recorded ones', () => {
  const recorded = [
    { id: 'a', name: 'memory_read', input: { key: 'k', scope: 'genie' } },
    { id: 'b', name: 'query_data', input: { table: 'leads' } },
    { id: 'c', name: 'memory_read', input: { scope: 'genie', key: 'k' } },
  ];

  it('answers the n-th same call (same tool, JSON-equal input, keys in any order) with the n-th recorded one', () => {
    const calls = [
      { name: 'memory_read', input: { scope: 'genie', key: 'k' } },
      { name: 'query_data', input: { table: 'leads' } },
      { name: 'memory_read', input: { key: 'k', scope: 'genie' } },
      { name: 'memory_read', input: { key: 'k', scope: 'genie' } },
    ];
    expect(matchRecorded(calls, 0, recorded)?.id).toBe('a');
    expect(matchRecorded(calls, 1, recorded)?.id).toBe('b');
    expect(matchRecorded(calls, 2, recorded)?.id).toBe('c');
    expect(matchRecorded(calls, 3, recorded)).toBeUndefined(); // recorded only twice
  });

  it('does not match another tool, other input, or arrays in another order', () => {
    expect(matchRecorded([{ name: 'memory_write', input: { key: 'k', scope: 'genie' } }], 0, recorded)).toBeUndefined();
    expect(matchRecorded([{ name: 'query_data', input: { table: 'deals' } }], 0, recorded)).toBeUndefined();
    const listed = [{ id: 'x', name: 't', input: { ids: [1, 2] } }];
    expect(matchRecorded([{ name: 't', input: { ids: [2, 1] } }], 0, listed)).toBeUndefined();
    expect(matchRecorded([{ name: 't', input: { ids: [1, 2] } }], 0, listed)?.id).toBe('x');
  });

  it('compares tool sequences in order', () => {
    expect(sameToolSequence(['a', 'b'], ['a', 'b'])).toBe(true);
    expect(sameToolSequence(['a', 'b'], ['b', 'a'])).toBe(false);
    expect(sameToolSequence(['a'], ['a', 'a'])).toBe(false);
  });
});
