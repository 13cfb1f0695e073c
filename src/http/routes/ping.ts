import type { Handler } from '../context.js';

export const ping: Handler = (exchange) => {
  exchange.json(200, { status: 'ok' });
};
