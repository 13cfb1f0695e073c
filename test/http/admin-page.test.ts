/**
 * The admin page end to end in a real browser (Debian's headless Chromium driven by
 * playwright-core) against the real server: log in as root, create a database, write points
 * through the form, query them, and see the table and a drawn plot; the help pop-up fills the
 * query box; errors show the server's text; users and cluster admins are managed through the
 * page. Screenshots go to test-artifacts/.
 */
import test from 'ava';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { column, listDbs, querySeries, request } from '../helpers/client.js';
import { cleanupServers, repoRoot, startServer, type TestServer } from '../helpers/server.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(repoRoot, 'test-artifacts');
const DB = 'explorer_e2e';
const PLOT_STROKE = [0x22, 0x66, 0xcc];

let server: TestServer;
let profileDir: string;
let browser: BrowserContext;
let page: Page;

test.before(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install it as .ci/run does (apt-get update && apt-get install -y chromium)`);
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  server = await startServer({ args: ['--admin-port', '0', '--login-failure-delay-ms', '0'] });
  profileDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-chromium-'));
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1200, height: 900 },
  });
  page = await browser.newPage();
  page.on('dialog', (dialog) => void dialog.accept());
  page.setDefaultTimeout(10_000);
});

test.after.always(async () => {
  await browser?.close();
  if (profileDir) await rm(profileDir, { recursive: true, force: true });
  await cleanupServers();
});

function adminUrl(params = ''): string {
  return `http://127.0.0.1:${server.adminPort}/?port=${server.port}${params}`;
}

async function logInAsRoot(): Promise<void> {
  await page.goto(adminUrl());
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.locator('.badge', { hasText: 'Cluster Admin' }).waitFor();
}

/** The part of a canvas read here (the test's types know no DOM). */
interface Canvas {
  readonly width: number;
  readonly height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}

/** Pixels of the chart's canvas in the plot's stroke colour: the line uPlot drew. */
function strokePixels(): Promise<number> {
  return page.locator('figure.chart canvas').evaluate((element, stroke: number[]) => {
    const canvas = element as unknown as Canvas;
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let count = 0;
    for (let i = 0; i < data.length; i += 4) {
      const near = stroke.every((channel, c) => Math.abs(data[i + c]! - channel) < 24);
      if (near && data[i + 3]! > 200) count += 1;
    }
    return count;
  }, PLOT_STROKE);
}

test.serial('root logs in with the pre-filled form and creates a database', async (t) => {
  await page.goto(adminUrl());
  t.is(await page.getByLabel('Username').inputValue(), 'root');
  t.is(await page.getByLabel('Port').inputValue(), String(server.port));
  await page.screenshot({ path: path.join(ARTIFACTS, 'admin-login.png') });

  const refused = await request(server, 'GET', '/cluster_admins/authenticate', { auth: { u: 'root', p: 'wrong' } });
  t.is(refused.status, 401);
  await page.getByLabel('Password').fill('wrong');
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.locator('.status.error').waitFor();
  t.is(await page.locator('.status.error').textContent(), `ERROR: ${refused.text.trim()}`);

  await page.getByLabel('Password').fill('root');
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.locator('.badge', { hasText: 'Cluster Admin' }).waitFor();
  t.is(await page.locator('header strong').textContent(), `127.0.0.1:${server.port}`);

  await page.getByLabel('New database').fill(DB);
  await page.getByRole('button', { name: 'Create database' }).click();
  await page.getByRole('link', { name: DB }).waitFor();
  t.deepEqual(await listDbs(server), [DB]);
  await page.screenshot({ path: path.join(ARTIFACTS, 'admin-databases.png') });
});

test.serial('points written through the form are queried into a table and a drawn plot', async (t) => {
  await page.getByRole('row', { name: new RegExp(DB) }).getByRole('link', { name: 'Explore data' }).click();
  await page.getByRole('heading', { name: `Data explorer: ${DB}` }).waitFor();
  // Whole minutes: the chart's time axis then labels them cleanly in the screenshot.
  const start = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
  const values = [0.64, 0.71, 0.52, 0.9, 0.33, 0.58];
  for (const [i, value] of values.entries()) {
    await page.getByLabel('Series').fill('cpu_idle');
    await page.getByLabel('Values').fill(JSON.stringify({ time: start + i * 60_000, value, host: 'server01' }));
    await page.getByRole('button', { name: 'Write point' }).click();
    await page.getByText('Point written to cpu_idle').waitFor();
    await page.getByText('Point written to cpu_idle').evaluate((element) => (element.textContent = ''));
  }
  const [stored] = await querySeries(server, DB, 'select value from cpu_idle');
  t.deepEqual(column(stored!, 'value').reverse(), values);

  await page.getByLabel('Query').fill('select * from cpu_idle');
  await page.getByRole('button', { name: 'Run query' }).click();
  const series = page.locator('article.series');
  await series.waitFor();
  t.is(await series.locator('h4').textContent(), 'cpu_idle');
  // The table is the API's answer: its columns, its rows in its order, times as dates.
  const [answer] = await querySeries(server, DB, 'select * from cpu_idle');
  const table = series.locator('table.points');
  t.deepEqual(await table.locator('thead th').allTextContents(), answer!.columns);
  const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  const time = answer!.columns.indexOf('time');
  t.deepEqual(
    rows,
    answer!.points.map((point) => point.map((value, i) => (i === time ? new Date(value as number).toISOString() : String(value)))),
  );
  t.deepEqual(rows.map((row) => Number(row[answer!.columns.indexOf('value')])).reverse(), values);

  // One chart: value is plotted; time and sequence_number are the axes' business, host is text.
  t.deepEqual(await page.locator('figure.chart .u-title').allTextContents(), ['value']);
  await page.locator('figure.chart canvas').waitFor();
  const drawn = await strokePixels();
  t.true(drawn > 200, `only ${drawn} pixels of the plot's line were drawn`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'admin-explorer.png'), fullPage: true });
});

test.serial('a query example from the help pop-up runs; a bad query shows the server\'s error', async (t) => {
  await page.getByRole('button', { name: 'Query examples' }).click();
  await page.getByRole('button', { name: 'select * from /.*/ limit 1' }).click();
  t.is(await page.getByLabel('Query').inputValue(), 'select * from /.*/ limit 1');
  await page.getByRole('button', { name: 'Run query' }).click();
  await page.getByText('1 series').waitFor();
  t.is(await page.locator('article.series table.points tbody tr').count(), 1);

  const bad = 'select * from where';
  const expected = await request(server, 'GET', `/db/${DB}/series`, { params: { q: bad } });
  t.is(expected.status, 400);
  await page.getByLabel('Query').fill(bad);
  await page.getByRole('button', { name: 'Run query' }).click();
  await page.locator('.status.error').waitFor();
  t.is(await page.locator('.status.error').textContent(), `ERROR: ${expected.text.trim()}`);
  t.is(await page.locator('article.series').count(), 0);
});

test.serial('database users and cluster admins are managed through the page', async (t) => {
  await page.goto(adminUrl(`#/db/${DB}`));
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  const users = page.locator('section', { has: page.getByRole('heading', { name: 'Users' }) });
  await users.getByLabel('Name').fill('reader');
  await users.getByLabel('Password', { exact: true }).fill('secret1');
  await users.getByRole('button', { name: 'Create user' }).click();
  await page.getByLabel('reader is admin').check();
  await page.getByText('reader is now an admin').waitFor();
  const listed = await request(server, 'GET', `/db/${DB}/users`);
  t.deepEqual((JSON.parse(listed.text) as { name: string; isAdmin: boolean }[]).map(({ name, isAdmin }) => ({ name, isAdmin })), [{ name: 'reader', isAdmin: true }]);

  await page.getByRole('link', { name: 'Cluster admins' }).click();
  // Scoped to the new page's section: a bare label could still find the Users form's Name
  // field before the page changes, and the name would go there.
  const admins = page.locator('section', { has: page.getByRole('heading', { name: 'Cluster admins' }) });
  await admins.getByLabel('Name').fill('ops');
  await admins.getByLabel('Password', { exact: true }).fill('opspass');
  await admins.getByRole('button', { name: 'Create cluster admin' }).click();
  await page.getByText('Cluster admin ops created').waitFor();
  t.is((await request(server, 'GET', '/cluster_admins/authenticate', { auth: { u: 'ops', p: 'opspass' } })).status, 200);
  await page.getByRole('row', { name: /ops/ }).getByRole('button', { name: 'Delete' }).click();
  await page.getByText('Cluster admin ops deleted').waitFor();
  t.is((await request(server, 'GET', '/cluster_admins/authenticate', { auth: { u: 'ops', p: 'opspass' } })).status, 401);
});

test.serial("the cluster page lists this node, its (no) shards and every database's shard space; a read cut off is retried", async (t) => {
  // The first read of the servers fails on the network, as a restarting server's would.
  let cutOff = 0;
  await page.route('**/cluster/servers?*', async (route) => (cutOff++ === 0 ? route.abort('connectionreset') : route.continue()));
  await page.getByRole('link', { name: 'Cluster', exact: true }).click();
  await page.locator('table.servers tbody tr').waitFor();
  await page.locator('table.shard-spaces tbody tr').first().waitFor();
  await page.unroute('**/cluster/servers?*');
  t.is(cutOff, 2);
  t.deepEqual(await page.locator('table.servers tbody td').allTextContents(), ['1', 'localhost:8099', 'http://localhost:8090', 'Running (leader)']);
  t.is(await page.locator('table.shards tbody tr').count(), 0);
  const spaces = await page.locator('table.shard-spaces tbody tr').allTextContents();
  t.true(spaces.some((row) => row.startsWith(`${DB}default/.*/inf7d11`)), JSON.stringify(spaces));
});

test.serial('a database user logs in to its own database and reads it', async (t) => {
  await page.getByRole('button', { name: 'Disconnect' }).click();
  await page.goto(adminUrl(`&username=reader&password=secret1&database=${DB}`));
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.getByRole('heading', { name: `Data explorer: ${DB}` }).waitFor();
  t.is(await page.locator('.badge').count(), 0);
  t.deepEqual(await page.locator('header nav a').allTextContents(), ['Users and queries', 'Data explorer']);
  await page.getByLabel('Query').fill('select count(value) from cpu_idle');
  await page.getByRole('button', { name: 'Run query' }).click();
  await page.locator('article.series').waitFor();
  t.deepEqual(await page.locator('article.series table.points tbody td').allTextContents(), [new Date(0).toISOString(), '6']);
});

test.serial('deleting a database from the list removes it', async (t) => {
  await page.getByRole('button', { name: 'Disconnect' }).click();
  await logInAsRoot();
  await page.getByRole('row', { name: new RegExp(DB) }).getByRole('button', { name: 'Delete' }).click();
  await page.getByText(`Database ${DB} deleted`).waitFor();
  t.deepEqual(await listDbs(server), []);
});
