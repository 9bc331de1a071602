import { DEFAULT_PRICES } from '../../platform/default-prices';
import { startHarness, type Harness } from '../support/harness';
import { useStack } from '../support/stack';

/** GET /v1/models: the prices runs are costed by, the shipped table or the deployment's own. */
const { h, createUser } = useStack();

it('answers the shipped price table (REST and action), behind a key', async () => {
  const user = await createUser('prices');
  const res = await h.call('GET', '/v1/models', { key: user.key });
  expect(res.status).toBe(200);
  expect(res.body.data).toEqual({
    items: DEFAULT_PRICES.items,
    server_tools: { web_search: { usd_per_search: 0.01 } },
    default_model: 'claude-sonnet-5-5',
  });
  expect(res.body.data.items.find((m: any) => m.id === 'claude-sonnet-5-5')).toMatchObject({
    input_usd_per_mtok: 2,
    output_usd_per_mtok: 10,
    batch_discount: 0.5,
  });
  const action = await h.call('POST', '/v1/worker-genies', { key: user.key, body: { action: 'models' } });
  expect(action.body.data).toEqual(res.body.data);
  expect((await h.call('GET', '/v1/models')).status).toBe(401);
});

it('answers the table the deployment gives instead', async () => {
  let own: Harness | undefined;
  try {
    own = await startHarness({
      prices: {
        items: [
          {
            id: 'house-model',
            input_usd_per_mtok: 1,
            output_usd_per_mtok: 2,
            cache_write_usd_per_mtok: 1.25,
            cache_read_usd_per_mtok: 0.1,
            batch_discount: 0.5,
          },
        ],
      },
    });
    const user = await own.createUser('own-prices');
    const res = await own.call('GET', '/v1/models', { key: user.key });
    expect(res.body.data).toEqual({
      items: [expect.objectContaining({ id: 'house-model', input_usd_per_mtok: 1 })],
      server_tools: {},
      default_model: 'claude-sonnet-5-5',
    });
  } finally {
    await own?.close();
  }
});
