import type { Handler } from '../context.js';

/**
 * 0.8 listed the admin page's data-explorer interfaces (the folders of its `interfaces`
 * directory). Sluice's admin page has one explorer, so the list is `["default"]` when the page
 * is served and `[]` when it is off (http-api.md §11). No credentials, as 0.8.
 */
export const interfaces: Handler = async (exchange, server) => {
  exchange.json(200, server.settings.adminPort === 'off' ? [] : ['default']);
};
