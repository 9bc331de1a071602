import type { Browser, Page } from 'playwright-core';
import type { FetchPolicy, Resolver } from '../../fetch/ssrf';
import { launchBrowser } from '../support/browser';
import { startHarness, type Harness, type TestUser } from '../support/harness';
import { TestOAuthServer } from '../support/oauth-server';

/**
 * OAuth 2.0 credentials in the owner console (headless Chromium, real API and Postgres, a real
 * token endpoint on loopback): store one through the form (field errors by their fields), see it
 * listed with its token URL, client and scope and no secret anywhere on the page, test it (when its
 * access token expires), and see a needs_reauth one badged, with the form prefilled to store it again.
 */

/** A fake DNS: auth.test is the local token endpoint (allowed though loopback); nothing else resolves. */
const resolve: Resolver = async (host) => {
  if (host === 'auth.test') return [{ address: '127.0.0.1', family: 4 }];
  throw new Error(`no such host ${host}`);
};
const fetchPolicy: FetchPolicy = { allowHosts: ['auth.test'], resolve };
const CLIENT_ID = 'console-calendar-client';
const CLIENT_SECRET = 'console-client-secret-0123456789abcdef';

let oauth: TestOAuthServer;
let h: Harness;
let user: TestUser;
let browser: Browser;
let page: Page;
const errors: string[] = [];
const tokenUrl = () => `http://auth.test:${oauth.port}/token`;
const row = (name: string) => page.locator(`tr[data-credential="${name}"]`);
const note = (name: string) => page.locator(`tr.cred-note[data-note-for="${name}"]`);
const listed = async (name: string) =>
  ((await h.call('GET', '/v1/credentials', { key: user.key })).body.data.items as any[]).find((c) => c.name === name);

/** Every secret this client ever had (client secret, refresh and access tokens) is absent from the page. */
async function expectNoSecretsOnPage() {
  const secrets = oauth.allSecrets();
  expect(secrets.length).toBeGreaterThan(1);
  const content = await page.content();
  const values = await Promise.all((await page.locator('input').all()).map((input) => input.inputValue()));
  for (const secret of secrets) {
    expect(content).not.toContain(secret);
    for (const value of values) expect(value).not.toContain(secret);
  }
}

beforeAll(async () => {
  oauth = await new TestOAuthServer({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }).start();
  h = await startHarness({ fetchPolicy });
  user = await h.createUser('console-oauth2');
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (message) => {
    // A refused save is logged by the browser as a failed request: expected here.
    if (message.type() === 'error' && !/400|Bad Request/.test(message.text())) errors.push(message.text());
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
  await oauth?.close();
});

describe('oauth2 credentials in the owner console', () => {
  it('stores one through the form, with the API’s refusals by their fields', async () => {
    await page.goto(`${h.url}/`);
    await page.fill('#api-key', user.key);
    await page.click('button[type=submit]');
    await page.getByText('No genies yet').waitFor();
    await page.goto(`${h.url}/#/credentials`);
    await page.getByText('No credentials').waitFor();

    // oauth2 takes its own fields: no secret value, header or query parameter.
    await page.selectOption('#cred-type', 'api_key');
    await page.locator('#cred-header').waitFor();
    await page.selectOption('#cred-type', 'oauth2');
    await page.locator('#cred-token-url').waitFor();
    for (const id of ['#cred-value', '#cred-header', '#cred-query']) expect(await page.locator(id).count()).toBe(0);
    expect(await page.getAttribute('#cred-client-secret', 'type')).toBe('password');
    expect(await page.getAttribute('#cred-refresh-token', 'type')).toBe('password');
    expect(await page.locator('#cred-client-secret').getAttribute('required')).toBeNull();
    expect(await page.locator('#cred-scope').getAttribute('required')).toBeNull();

    const refreshToken = oauth.grantRefreshToken();
    await page.fill('#cred-name', 'calendar');
    // A URL the browser takes but the API refuses: its message shows by the token URL field.
    await page.fill('#cred-token-url', 'ftp://auth.test/token');
    await page.fill('#cred-client-id', CLIENT_ID);
    await page.fill('#cred-client-secret', CLIENT_SECRET);
    await page.fill('#cred-refresh-token', refreshToken);
    await page.fill('#cred-scope', 'calendar.read');
    await page.fill('#cred-hosts', 'api.example.com, *.calendar.example');
    await page.getByRole('button', { name: 'Store credential' }).click();
    const urlError = page.locator('#cred-token-url-error');
    await urlError.waitFor();
    expect(await urlError.textContent()).toContain('http(s) URL');
    expect(await page.locator('.field-error').count()).toBe(1);
    expect(await page.locator('form .error-box').count()).toBe(0);
    await page.locator('form.card').screenshot({ path: '/tmp/credentials-oauth2-form-error.png' });

    await page.fill('#cred-token-url', tokenUrl());
    await page.getByRole('button', { name: 'Store credential' }).click();
    await row('calendar').waitFor();

    const stored = await listed('calendar');
    expect(stored).toMatchObject({
      credential_type: 'oauth2',
      status: 'ok',
      token_url: tokenUrl(),
      client_id: CLIENT_ID,
      scope: 'calendar.read',
      allowed_hosts: ['api.example.com', '*.calendar.example'],
      hint: refreshToken.slice(-4),
    });
    // The form is empty again, secrets included.
    expect(await page.inputValue('#cred-name')).toBe('');
    expect(await page.inputValue('#cred-refresh-token')).toBe('');
    expect(await page.inputValue('#cred-client-secret')).toBe('');
  });

  it('lists it with its token URL, client and scope, and no secret anywhere on the page', async () => {
    const shown = (await row('calendar').textContent())!;
    expect(shown).toContain('oauth2');
    expect(shown).toContain(tokenUrl());
    expect(shown).toContain(CLIENT_ID);
    expect(shown).toContain('calendar.read');
    expect(await row('calendar').locator('code.tag').allTextContents()).toEqual([
      'api.example.com',
      '*.calendar.example',
    ]);
    expect(await row('calendar').locator('.badge').count()).toBe(0);
    expect(await note('calendar').count()).toBe(0);
    await expectNoSecretsOnPage();
    await page.screenshot({ path: '/tmp/credentials-oauth2.png', fullPage: true });
  });

  it('tests it: the answer says when the new access token expires', async () => {
    const before = Date.now();
    await row('calendar').getByRole('button', { name: 'Test' }).click();
    const status = row('calendar').locator('[role=status]');
    await status.waitFor();
    expect(await status.getAttribute('class')).toContain('ok');
    expect(await status.textContent()).toMatch(/OK · refreshed · access token expires in (1 hour|60 minutes)/);
    const expiresAt = Date.parse((await status.locator('time').getAttribute('datetime'))!);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 3599_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 3601_000);
    expect(oauth.tokenRequests.map((r) => r.status)).toEqual([200]);
    // The access token and the rotated refresh token it brought are nowhere on the page either.
    await expectNoSecretsOnPage();
    await row('calendar').screenshot({ path: '/tmp/credentials-oauth2-tested.png' });
  });

  it('badges a needs_reauth credential and stores it again from a prefilled form', async () => {
    await h.db('credentials').where({ owner_id: user.id, name: 'calendar' }).update({ status: 'needs_reauth' });
    await page.reload();
    const badge = row('calendar').locator('.badge.status-needs_reauth');
    await badge.waitFor();
    expect(await badge.textContent()).toBe('Needs reconnecting');
    expect(await note('calendar').textContent()).toMatch(/refused the refresh token.*store it again/s);
    await page.screenshot({ path: '/tmp/credentials-oauth2-needs-reauth.png', fullPage: true });

    await note('calendar').getByRole('button', { name: 'Reconnect' }).click();
    await page.getByRole('heading', { name: 'Store calendar again' }).waitFor();
    expect(await page.inputValue('#cred-name')).toBe('calendar');
    expect(await page.locator('#cred-name').getAttribute('readonly')).not.toBeNull();
    expect(await page.inputValue('#cred-type')).toBe('oauth2');
    expect(await page.inputValue('#cred-token-url')).toBe(tokenUrl());
    expect(await page.inputValue('#cred-client-id')).toBe(CLIENT_ID);
    expect(await page.inputValue('#cred-scope')).toBe('calendar.read');
    expect(await page.inputValue('#cred-hosts')).toBe('api.example.com, *.calendar.example');
    expect(await page.inputValue('#cred-refresh-token')).toBe('');
    expect(await page.inputValue('#cred-client-secret')).toBe('');
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('cred-refresh-token');
    await page.locator('form.card').screenshot({ path: '/tmp/credentials-oauth2-store-again.png' });

    const newToken = oauth.grantRefreshToken();
    await page.fill('#cred-refresh-token', newToken);
    await page.fill('#cred-client-secret', CLIENT_SECRET);
    await page.getByRole('button', { name: 'Store it again' }).click();
    await page.getByRole('heading', { name: 'Add a credential' }).waitFor();
    await note('calendar').waitFor({ state: 'detached' });
    expect(await row('calendar').locator('.badge').count()).toBe(0);
    // Replaced (replace: true), not a second one: ok again, with the new refresh token's hint.
    const items = (await h.call('GET', '/v1/credentials', { key: user.key })).body.data.items as any[];
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      name: 'calendar',
      status: 'ok',
      hint: newToken.slice(-4),
      scope: 'calendar.read',
    });
    await expectNoSecretsOnPage();
  });

  it('shows the badge as soon as a test finds the refresh token refused', async () => {
    oauth.refuseWith = 'invalid_grant';
    try {
      await row('calendar').getByRole('button', { name: 'Test' }).click();
      await row('calendar').locator('.badge.status-needs_reauth').waitFor();
      const status = row('calendar').locator('[role=status]');
      expect(await status.getAttribute('class')).toContain('field-error');
      expect(await status.textContent()).toMatch(/store it again/i);
      await note('calendar').waitFor();
      expect((await listed('calendar')).status).toBe('needs_reauth');
      await expectNoSecretsOnPage();
    } finally {
      oauth.refuseWith = undefined;
    }
  });

  it('still stores the other types with their secret value, and none of the oauth2 fields', async () => {
    await page.selectOption('#cred-type', 'bearer_token');
    await page.locator('#cred-value').waitFor();
    for (const id of [
      '#cred-token-url',
      '#cred-client-id',
      '#cred-client-secret',
      '#cred-refresh-token',
      '#cred-scope',
    ]) {
      expect(await page.locator(id).count()).toBe(0);
    }
    await page.fill('#cred-name', 'crm');
    await page.fill('#cred-value', 'crm-token-0123456789abcdef');
    await page.fill('#cred-hosts', 'api.crm.example');
    await page.getByRole('button', { name: 'Store credential' }).click();
    await row('crm').waitFor();
    expect(await row('crm').locator('.cred-oauth2').count()).toBe(0);
    expect(await listed('crm')).toMatchObject({ credential_type: 'bearer_token', status: 'ok', hint: 'cdef' });
  });

  it('had no script errors', () => {
    expect(errors).toEqual([]);
  });
});
