import { decodeCursor, encodeCursor, toPage } from '../../db/pagination';

describe('pagination cursors', () => {
  it('round-trips a cursor', () => {
    const cursor = { createdAt: '2026-11-28T12:00:00.000Z', id: '7d3f6a52-3c6e-4e55-9f57-2b0b0c1d2e3f' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });

  it.each([
    '',
    'garbage',
    Buffer.from('[1,2]').toString('base64url'),
    Buffer.from('["x","y"]').toString('base64url'),
    '12345678901234_7d3f6a52-3c6e-4e55-9f57-2b0b0c1d2e3f',
    '-1_7d3f6a52-3c6e-4e55-9f57-2b0b0c1d2e3f',
    '1_not-a-uuid',
  ])('refuses %j', (value) => {
    expect(decodeCursor(value)).toBeUndefined();
  });

  it('gives a next cursor only when more rows exist', () => {
    const rows = Array.from({ length: 3 }, (_, i) => ({
      id: `00000000-0000-4000-8000-00000000000${i}`,
      created_at: new Date(Date.UTC(2026, 0, 3 - i)),
    }));
    expect(toPage(rows, 3)).toEqual({ items: rows });
    const page = toPage(rows, 2);
    expect(page.items).toHaveLength(2);
    expect(decodeCursor(page.nextCursor!)).toEqual({ createdAt: rows[1]!.created_at.toISOString(), id: rows[1]!.id });
  });
});
